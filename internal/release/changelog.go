package main

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

var (
	unreleasedRE = regexp.MustCompile(`^## \[Unreleased\]\s*$`)
	sectionRE    = regexp.MustCompile(`^## `)
	subsectionRE = regexp.MustCompile(`^### `)
	linkRefRE    = regexp.MustCompile(`^\[([^\]]+)\]:\s*(\S+)\s*$`)
	compareRE    = regexp.MustCompile(`^(.*)/compare/(\S+)\.\.\.HEAD$`)
)

// changelogPlan is what releasing a version does to CHANGELOG.md.
type changelogPlan struct {
	Text  string // the new content
	Date  string // the version's date
	Moved int    // lines moved out of Unreleased
}

// releaseChangelog checks that text (CHANGELOG.md, in Keep a Changelog
// form) has a dated section for ver ("## [0.1.0] - 2026-01-31") and moves
// the entries under "## [Unreleased]" into it, merging subsections of the
// same name; Unreleased stays, empty. Where the file ends with link
// references, [Unreleased] is made to compare from the new tag and one for
// the version is added.
func releaseChangelog(text, ver, tag string) (changelogPlan, error) {
	lines := strings.Split(text, "\n")
	head := "## [" + ver + "]"
	want := fmt.Sprintf("%s - %s", head, time.Now().Format(time.DateOnly))
	unrel, sec := -1, -1
	var date string
	for i, l := range lines {
		switch {
		case unreleasedRE.MatchString(l):
			unrel = i
		case l == head || strings.HasPrefix(l, head+" "):
			rest := strings.TrimSpace(strings.TrimPrefix(l, head))
			d, ok := strings.CutPrefix(rest, "- ")
			if _, err := time.Parse(time.DateOnly, strings.TrimSpace(d)); !ok || err != nil {
				return changelogPlan{}, fmt.Errorf("%s: the section %q needs a date: write %q", changelogFile, l, want)
			}
			sec, date = i, strings.TrimSpace(d)
		}
	}
	if sec < 0 {
		return changelogPlan{}, fmt.Errorf("%s has no section for %s: add the line %q after the entries of \"## [Unreleased]\" (the release moves them into it), commit, and run again", changelogFile, ver, want)
	}
	if unrel < 0 {
		// Keep an empty Unreleased section above the release.
		lines = append(lines[:sec], append([]string{"## [Unreleased]", ""}, lines[sec:]...)...)
		return changelogPlan{Text: strings.Join(lines, "\n"), Date: date}, nil
	}

	end := func(from int) int { // the end of the section starting at from
		for i := from + 1; i < len(lines); i++ {
			if sectionRE.MatchString(lines[i]) || linkRefRE.MatchString(lines[i]) {
				return i
			}
		}
		return len(lines)
	}
	uEnd, sEnd := end(unrel), end(sec)
	uBody := lines[unrel+1 : uEnd]
	sBody := lines[sec+1 : sEnd]
	moved := 0
	for _, l := range uBody {
		if strings.TrimSpace(l) != "" && !subsectionRE.MatchString(l) {
			moved++
		}
	}
	merged := mergeSections(uBody, sBody)

	var out []string
	for i := 0; i < len(lines); {
		switch i {
		case unrel:
			out = append(out, lines[unrel], "")
			i = uEnd
		case sec:
			out = append(out, lines[sec], "")
			out = append(out, merged...)
			out = append(out, "")
			i = sEnd
		default:
			out = append(out, lines[i])
			i++
		}
	}
	out = updateLinkRefs(out, ver, tag)
	return changelogPlan{Text: strings.Join(out, "\n"), Date: date, Moved: moved}, nil
}

// section is a "### Name" subsection and its lines.
type section struct {
	name  string
	lines []string
}

// splitSections splits a section's body into its text before the first
// subsection and its subsections, blank lines at either end trimmed.
func splitSections(body []string) (pre []string, subs []section) {
	cur := &pre
	for _, l := range body {
		if subsectionRE.MatchString(l) {
			subs = append(subs, section{name: strings.TrimSpace(l)})
			cur = &subs[len(subs)-1].lines
			continue
		}
		*cur = append(*cur, l)
	}
	pre = trimBlank(pre)
	for i := range subs {
		subs[i].lines = trimTrailingBlank(subs[i].lines)
	}
	return pre, subs
}

// mergeSections puts the entries of the Unreleased body u above those of
// the release body s, subsection by subsection.
func mergeSections(u, s []string) []string {
	uPre, uSubs := splitSections(u)
	sPre, sSubs := splitSections(s)
	pre := append(append([]string{}, uPre...), sPre...)
	var subs []section
	used := map[string]bool{}
	for _, us := range uSubs {
		merged := us
		for _, ss := range sSubs {
			if ss.name == us.name {
				merged.lines = append(append([]string{}, us.lines...), ss.lines...)
				used[ss.name] = true
			}
		}
		subs = append(subs, merged)
	}
	for _, ss := range sSubs {
		if !used[ss.name] {
			subs = append(subs, ss)
		}
	}
	var out []string
	if len(pre) > 0 {
		out = append(out, pre...)
	}
	for _, s := range subs {
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, s.name)
		out = append(out, s.lines...)
	}
	return out
}

func trimBlank(ls []string) []string {
	for len(ls) > 0 && strings.TrimSpace(ls[0]) == "" {
		ls = ls[1:]
	}
	return trimTrailingBlank(ls)
}

func trimTrailingBlank(ls []string) []string {
	for len(ls) > 0 && strings.TrimSpace(ls[len(ls)-1]) == "" {
		ls = ls[:len(ls)-1]
	}
	return ls
}

// updateLinkRefs points "[Unreleased]: <base>/compare/<prev>...HEAD" at the
// new tag and adds "[ver]: <base>/compare/<prev>...<tag>" below it, if the
// file has such references and none for ver yet.
func updateLinkRefs(lines []string, ver, tag string) []string {
	for _, l := range lines {
		if m := linkRefRE.FindStringSubmatch(l); m != nil && m[1] == ver {
			return lines
		}
	}
	for i, l := range lines {
		m := linkRefRE.FindStringSubmatch(l)
		if m == nil || !strings.EqualFold(m[1], "Unreleased") {
			continue
		}
		c := compareRE.FindStringSubmatch(m[2])
		if c == nil {
			return lines
		}
		base, prev := c[1], c[2]
		out := append([]string{}, lines[:i]...)
		out = append(out,
			fmt.Sprintf("[%s]: %s/compare/%s...HEAD", m[1], base, tag),
			fmt.Sprintf("[%s]: %s/compare/%s...%s", ver, base, prev, tag))
		return append(out, lines[i+1:]...)
	}
	return lines
}

// unreleasedText returns the body of the Unreleased section of a
// changelog.
func unreleasedText(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if !unreleasedRE.MatchString(l) {
			continue
		}
		var body []string
		for _, b := range lines[i+1:] {
			if sectionRE.MatchString(b) {
				break
			}
			body = append(body, b)
		}
		return strings.Join(body, "\n")
	}
	return ""
}
