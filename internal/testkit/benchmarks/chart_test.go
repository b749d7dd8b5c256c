package benchmarks

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSVGIsWellFormed(t *testing.T) {
	s := SVG("t <&>", []Bar{{"g1", "floor", 1}, {"g1", "jupico", 0.8}, {"g2", "svix", 2.5}})
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err != nil {
			require.Equal(t, "EOF", err.Error())
			break
		}
	}
	assert.Contains(t, s, "2.50×")
	assert.Contains(t, s, "t &lt;&amp;&gt;")
}
