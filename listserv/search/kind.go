package search

import (
	"net/url"
	"path"
	"sort"
	"strings"
)

// Kind is what sort of resource a link or attachment is.
type Kind string

// The kinds of resources the hub tells apart.
const (
	KindDocument    Kind = "document"
	KindSlides      Kind = "slides"
	KindSpreadsheet Kind = "spreadsheet"
	KindVideo       Kind = "video"
	KindAudio       Kind = "audio"
	KindImage       Kind = "image"
	KindWebPage     Kind = "web page"
	KindFile        Kind = "file"
)

// Kinds lists every kind, for filters.
func Kinds() []Kind {
	return []Kind{KindDocument, KindSlides, KindSpreadsheet, KindVideo, KindAudio, KindImage, KindWebPage, KindFile}
}

// ParseKind reads a kind as written in a filter ("web page", "web-page"
// and "webpage" all name KindWebPage); ok is false for an unknown one.
func ParseKind(s string) (Kind, bool) {
	s = strings.ToLower(strings.NewReplacer("-", " ", "_", " ").Replace(strings.TrimSpace(s)))
	if s == "webpage" || s == "page" || s == "link" {
		s = string(KindWebPage)
	}
	for _, k := range Kinds() {
		if string(k) == s {
			return k, true
		}
	}
	return "", false
}

var extKinds = map[string]Kind{
	".pdf": KindDocument, ".doc": KindDocument, ".docx": KindDocument, ".odt": KindDocument,
	".rtf": KindDocument, ".txt": KindDocument, ".md": KindDocument, ".epub": KindDocument, ".pages": KindDocument,
	".ppt": KindSlides, ".pptx": KindSlides, ".odp": KindSlides, ".key": KindSlides,
	".xls": KindSpreadsheet, ".xlsx": KindSpreadsheet, ".ods": KindSpreadsheet, ".csv": KindSpreadsheet, ".numbers": KindSpreadsheet,
	".mp4": KindVideo, ".mov": KindVideo, ".webm": KindVideo, ".mkv": KindVideo, ".avi": KindVideo, ".m4v": KindVideo,
	".mp3": KindAudio, ".m4a": KindAudio, ".wav": KindAudio, ".ogg": KindAudio, ".oga": KindAudio, ".flac": KindAudio, ".opus": KindAudio,
	".png": KindImage, ".jpg": KindImage, ".jpeg": KindImage, ".gif": KindImage, ".webp": KindImage, ".svg": KindImage, ".heic": KindImage,
}

// KindOfURL guesses a link's kind from its host and path.
func KindOfURL(raw string) Kind {
	u, err := url.Parse(raw)
	if err != nil {
		return KindWebPage
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	p := strings.ToLower(u.Path)
	switch {
	case host == "docs.google.com" && strings.HasPrefix(p, "/presentation"):
		return KindSlides
	case host == "docs.google.com" && strings.HasPrefix(p, "/spreadsheets"):
		return KindSpreadsheet
	case host == "docs.google.com" && strings.HasPrefix(p, "/document"):
		return KindDocument
	case host == "youtube.com" || host == "m.youtube.com" || host == "youtu.be" || host == "vimeo.com" || host == "player.vimeo.com":
		return KindVideo
	case host == "soundcloud.com" || host == "open.spotify.com" || host == "podcasts.apple.com":
		return KindAudio
	case host == "slideshare.net" || host == "speakerdeck.com":
		return KindSlides
	}
	if k, ok := extKinds[path.Ext(p)]; ok {
		return k
	}
	return KindWebPage
}

// KindOfFile guesses an attachment's kind from its content type and name.
func KindOfFile(name, contentType string) Kind {
	if k, ok := extKinds[strings.ToLower(path.Ext(name))]; ok {
		return k
	}
	ct := strings.ToLower(contentType)
	switch {
	case strings.HasPrefix(ct, "video/"):
		return KindVideo
	case strings.HasPrefix(ct, "audio/"):
		return KindAudio
	case strings.HasPrefix(ct, "image/"):
		return KindImage
	case strings.Contains(ct, "presentation"):
		return KindSlides
	case strings.Contains(ct, "spreadsheet") || strings.Contains(ct, "excel"):
		return KindSpreadsheet
	case ct == "application/pdf" || strings.Contains(ct, "document") || strings.Contains(ct, "msword") || strings.HasPrefix(ct, "text/"):
		return KindDocument
	}
	return KindFile
}

// trackingParams are query parameters that say who clicked, not what.
func trackingParam(k string) bool {
	k = strings.ToLower(k)
	return strings.HasPrefix(k, "utm_") || k == "fbclid" || k == "gclid" || k == "mc_cid" || k == "mc_eid" || k == "igshid" || k == "si"
}

// NormalizeURL is the key under which shares of one link fold together:
// scheme-less, lowercase host without "www." or a default port, no
// fragment, no tracking parameters, sorted query, no trailing slash;
// youtu.be links become youtube.com ones.
func NormalizeURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return strings.ToLower(strings.TrimSpace(raw))
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	if port := u.Port(); port != "" && port != "80" && port != "443" {
		host += ":" + port
	}
	q := u.Query()
	p := u.EscapedPath()
	if host == "youtu.be" && len(p) > 1 {
		q.Set("v", strings.TrimPrefix(p, "/"))
		host, p = "youtube.com", "/watch"
	}
	if host == "m.youtube.com" {
		host = "youtube.com"
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		if !trackingParam(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var qs []string
	for _, k := range keys {
		vs := q[k]
		sort.Strings(vs)
		for _, v := range vs {
			qs = append(qs, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	p = strings.TrimRight(p, "/")
	out := host + p
	if len(qs) > 0 {
		out += "?" + strings.Join(qs, "&")
	}
	return out
}
