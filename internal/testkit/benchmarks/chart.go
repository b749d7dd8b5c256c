package benchmarks

import (
	"fmt"
	"html"
	"strings"
)

// Bar is one bar of a chart: a label and a value relative to a baseline.
type Bar struct {
	Group, Label string
	Value        float64
}

// SVG draws grouped horizontal bars of ratios (1.0 = the floor) with a
// dashed line at 1.0. It is deliberately plain: no dependency, text that
// renders anywhere.
func SVG(title string, bars []Bar) string {
	const (
		width, left, right = 760, 230, 60
		barH, gap, top     = 16, 4, 40
	)
	maxV := 1.0
	for _, b := range bars {
		maxV = max(maxV, b.Value)
	}
	scale := float64(width-left-right) / maxV
	groups := 0
	prev := ""
	for _, b := range bars {
		if b.Group != prev {
			groups++
			prev = b.Group
		}
	}
	height := top + len(bars)*(barH+gap) + groups*18 + 30
	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&s, `<rect width="100%%" height="100%%" fill="white"/><text x="10" y="20" font-size="15" font-weight="bold">%s</text>`+"\n", html.EscapeString(title))
	colors := map[string]string{"jupico": "#1f6feb", "floor": "#8b949e", "hmac": "#8b949e", "raw": "#8b949e", "raw-tuned": "#8b949e", "raw-default": "#d29922"}
	y := top
	prev = ""
	for _, b := range bars {
		if b.Group != prev {
			fmt.Fprintf(&s, `<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y+12, html.EscapeString(b.Group))
			y += 18
			prev = b.Group
		}
		c, ok := colors[b.Label]
		if !ok {
			c = "#da3633"
		}
		w := b.Value * scale
		fmt.Fprintf(&s, `<text x="%d" y="%d" text-anchor="end">%s</text>`, left-6, y+12, html.EscapeString(b.Label))
		fmt.Fprintf(&s, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`, left, y, w, barH, c)
		fmt.Fprintf(&s, `<text x="%.1f" y="%d">%.2f×</text>`+"\n", float64(left)+w+4, y+12, b.Value)
		y += barH + gap
	}
	x1 := float64(left) + scale
	fmt.Fprintf(&s, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black" stroke-dasharray="4 3"/>`+"\n", x1, top, x1, y)
	fmt.Fprintf(&s, `<text x="%.1f" y="%d" text-anchor="middle">1.0 = floor</text>`+"\n", x1, y+16)
	s.WriteString("</svg>\n")
	return s.String()
}
