package listserv

import "path/filepath"

// The digest's texts are one built-in template per format (digest.txt,
// digest.html) that serves every period, with the period as data
// (.Period is "daily" or "weekly"). Owners still replace them by the
// period's own name, as before there was one template: an override named
// digest-daily wins for daily digests and digest-weekly for weekly ones,
// and one named digest applies to both.

// digestTemplate is the built-in template every digest period renders.
const digestTemplate = "digest"

// builtinTemplate returns the built-in template that renders name: the
// shared digest template for a period's name, else name itself.
func builtinTemplate(name string) string {
	switch name {
	case "digest-daily", "digest-weekly":
		return digestTemplate
	}
	return name
}

// overrideNames returns the names owners replace a built-in template by
// (the console's "Mail texts" page lists these): one per digest period
// for the shared digest template, else the template's own name.
func overrideNames(builtin string) []string {
	if builtin == digestTemplate {
		return []string{"digest-daily", "digest-weekly"}
	}
	return []string{builtin}
}

// overrideFiles returns the files that may replace template name (with
// extension ext) for list in language l, the most particular first:
//
//	LIST/LANG/NAME   that list, that language
//	LANG/NAME        every list, that language
//	LIST/NAME        that list, every language
//	NAME             every list, every language
//
// and, at each of those places, the period's own digest name before the
// shared digest template's. list "" looks only server-wide, and so do the
// texts carrying a network-wide secret (siteOnlyTemplates).
func (s *Service) overrideFiles(l Lang, list, name, ext string) []string {
	if s.o.TemplateDir == "" {
		return nil
	}
	names := []string{name}
	if b := builtinTemplate(name); b != name {
		names = append(names, b)
	}
	perList := list != "" && !siteOnlyTemplates[name]
	var dirs []string
	if perList {
		dirs = append(dirs, filepath.Join(s.o.TemplateDir, list, string(l)))
	}
	dirs = append(dirs, filepath.Join(s.o.TemplateDir, string(l)))
	if perList {
		dirs = append(dirs, filepath.Join(s.o.TemplateDir, list))
	}
	dirs = append(dirs, s.o.TemplateDir)
	var out []string
	for _, d := range dirs {
		for _, n := range names {
			out = append(out, filepath.Join(d, n+ext))
		}
	}
	return out
}
