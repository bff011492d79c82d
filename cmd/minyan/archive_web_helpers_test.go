package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"minyan/listserv"
)

// The web archive's test world: one list per kind of archive access, the
// same posts in each, and the viewers of the access table.

const (
	awOwner    = "owner@example.org"
	awMember   = "member@example.org"
	awOutsider = "outsider@example.org" // on every list but the caucus
	awStranger = "stranger@example.org" // on the list "other" only
)

// awLists are the lists of the table and who (besides the operator) may
// read each archive.
var awLists = []struct {
	name, kind, archive string
	readers             []string // "" is the anonymous visitor
}{
	{"pub", "discussion", "public", []string{"", awStranger, awMember, awOwner, awOutsider}},
	{"mem", "discussion", "members", []string{awMember, awOwner, awOutsider}},
	{"own", "discussion", "owners", []string{awOwner}},
	{"off", "discussion", "off", nil},
	{"cau", "caucus", "public", []string{awMember, awOwner}},
	{"caum", "caucus", "members", []string{awMember, awOwner}},
}

// awMbox is three posts: a text post with a quote, a signature, a link,
// #tags and three attachments (PDF, SVG with script, HTML); a hostile
// HTML-only post; and a reply to the first.
func awMbox(list string) string {
	return fmt.Sprintf(`From rivka@example.org Mon Nov  2 10:00:00 2026
From: Rivka Cohen <rivka@example.org>
To: %[1]s@lists.example.org
Subject: zebra notes for %[1]s
Message-ID: <first.%[1]s@example.org>
Date: Mon, 2 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Here is the zebra crossing guide for %[1]s: https://example.net/%[1]s/guide #guides #zebra
Call me at rivka@example.org.

On Sun, Ana wrote:
> an older quoted line

-- 
Rivka, organizer
--b1
Content-Type: application/pdf; name="plan.pdf"
Content-Disposition: attachment; filename="plan.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJSVFT0YK
--b1
Content-Type: image/svg+xml; name="pic.svg"
Content-Disposition: attachment; filename="pic.svg"

<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>
--b1
Content-Type: text/html; name="page.html"
Content-Disposition: attachment; filename="page.html"

<html><body><script>alert(2)</script></body></html>
--b1--

From mallory@example.org Mon Nov  2 11:00:00 2026
From: Mallory <mallory@example.org>
To: %[1]s@lists.example.org
Subject: hostile zebra html
Message-ID: <hostile.%[1]s@example.org>
Date: Mon, 2 Nov 2026 11:00:00 +0000
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><head><title>T</title><style>body{display:none}</style><script>alert('head')</script></head>
<body onload="alert('load')"><p style="position:fixed;top:0;left:0;width:100%%;height:100%%">Cover</p>
<p>zebra <a href="javascript:alert('js')">click</a> <a href="https://example.net/ok" onclick="alert(3)">fine link</a></p>
<img src="https://tracker.example.com/pixel.gif" width="1" height="1">
<img src="https://images.example.com/photo.jpg" alt="photo" onerror="alert(4)">
<iframe src="https://evil.example.com/"></iframe><form action="https://evil.example.com/"><input name="x"></form>
<svg><script>alert(5)</script></svg><a href="data:text/html,<script>alert(6)</script>">data</a>
</body></html>

From ana@example.org Mon Nov  2 12:00:00 2026
From: Ana <ana@example.org>
To: %[1]s@lists.example.org
Subject: Re: zebra notes for %[1]s
Message-ID: <reply.%[1]s@example.org>
In-Reply-To: <first.%[1]s@example.org>
References: <first.%[1]s@example.org>
Date: Mon, 2 Nov 2026 12:00:00 +0000
Content-Type: text/plain; charset=utf-8

Thank you, the zebra guide helps.
`, list)
}

// archiveWebEnv starts the daemon with the web archive on and fills the
// lists of the table.
func archiveWebEnv(t *testing.T) *testEnv {
	t.Helper()
	e := startEnv(t, func(c *Config) { c.Web.Archive = true })
	ctx := context.Background()
	for _, l := range awLists {
		members := map[string]string{awOwner: "owner", awMember: "member"}
		if l.kind != "caucus" {
			members[awOutsider] = "member"
		}
		e.setup(l.name, l.kind, members, "archive="+l.archive)
		mbox := strings.ReplaceAll(awMbox(l.name), "\n", "\r\n")
		res, err := e.srv.App.Svc.ImportArchive(ctx, l.name, strings.NewReader(mbox), int64(len(mbox)), listserv.ImportOptions{})
		if err != nil || res.Imported != 3 {
			t.Fatalf("import into %s: %+v %v", l.name, res, err)
		}
		if _, err := e.srv.App.Svc.IndexArchive(ctx, e.cfg.Server.DataDir, l.name, nil); err != nil {
			t.Fatal(err)
		}
	}
	e.setup("other", "discussion", map[string]string{awStranger: "member"})
	return e
}

// getResp fetches path and returns the whole response.
func (w *webClient) getResp(path string, header ...string) (*http.Response, string) {
	w.t.Helper()
	req, _ := http.NewRequest("GET", w.base+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := w.c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
