package main

import (
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"encoding/base64"

	"minyan/listserv/smtpsink"
)

// readMail is a relayed message as its reader sees it: the decoded
// Subject and the decoded body.
func readMail(t *testing.T, m smtpsink.Message) (subject, body string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
	if err != nil {
		t.Fatalf("relayed message does not parse: %v", err)
	}
	subject, _ = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	var r io.Reader = msg.Body
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, _ := io.ReadAll(r)
	return subject, strings.ReplaceAll(string(b), "\r\n", "\n")
}

// mailTo waits for a message to rcpt whose subject contains want and
// returns its subject and body.
func mailTo(t *testing.T, sink *smtpsink.Sink, rcpt, want string) (subject, body string) {
	t.Helper()
	waitFor(t, "mail to "+rcpt+" about "+want, func() bool {
		for _, m := range sink.Messages() {
			if len(m.Rcpts) != 1 || m.Rcpts[0] != rcpt {
				continue
			}
			if s, b := readMail(t, m); strings.Contains(s, want) {
				subject, body = s, b
				return true
			}
		}
		return false
	})
	return subject, body
}

// TestLanguagesEndToEnd is issue 25's acceptance test through the built
// binary: a person with lang he gets /me as <html lang="he" dir="rtl">
// in Hebrew, a Hebrew sign-in link, help answer and confirmation; a
// person with lang es the same in Spanish; someone who chose nothing
// gets the list's language; an anonymous visitor gets the language of
// their browser, and the footer's switch changes it.
func TestLanguagesEndToEnd(t *testing.T) {
	t.Parallel()
	sink, err := smtpsink.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	e := newE2E(t, sink.Addr)
	e.start()
	e.mustRun("list", "create", "--kind", "discussion", "--title", "Study Circle", "circle")
	e.mustRun("list", "create", "--kind", "discussion", "--title", "Reading Room", "reading")
	e.mustRun("member", "add", "circle", "noa@example.org", "ana@example.org")
	e.mustRun("person", "set", "--lang", "he", "noa@example.org")
	e.mustRun("person", "set", "--lang", "es", "ana@example.org")
	e.mustRun("list", "set", "reading", "language=es")
	base := "http://" + e.http

	for _, c := range []struct {
		addr, lang, dir string
		loginSubject    string
		meWords         []string
		helpWords       []string
		confirmSubject  string
		confirmWords    []string
	}{
		{"noa@example.org", "he", "rtl", "קישור הכניסה שלך",
			[]string{"הרשימות שלך", "איך הדואר מ", "כל הודעה בנפרד", "יציאה"},
			[]string{"הפקודות של Study Circle", "הצטרפות לרשימה", "הטקסט הזה"},
			"נא לאשר: הצטרפות אל Reading Room", []string{"כדי לאשר, פשוט עונים למכתב הזה", "הבקשה בתוקף עד"}},
		{"ana@example.org", "es", "ltr", "Tu enlace para entrar",
			[]string{"Tus listas", "Cómo te llega el correo de", "Cada mensaje", "Salir"},
			[]string{"Órdenes para Study Circle", "unirte a la lista", "este texto"},
			"Confirma, por favor: unirte a Reading Room", []string{"Para confirmar, simplemente responde", "Esta solicitud vence el"}},
	} {
		// Sign in by mail: the link comes in the person's language.
		jar, _ := cookiejar.New(nil)
		w := &webClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
		if code, _ := w.post("/login", url.Values{"email": {c.addr}}); code != 200 {
			t.Fatalf("POST /login: %d", code)
		}
		_, body := mailTo(t, sink, c.addr, c.loginSubject)
		link := linkRE.FindString(body)
		if !strings.HasPrefix(link, "/login/") {
			t.Fatalf("%s: no sign-in link in\n%s", c.lang, body)
		}
		code, page := w.post(link, url.Values{})
		if code != 200 || !strings.Contains(page, `<html lang="`+c.lang+`" dir="`+c.dir+`">`) {
			t.Fatalf("%s: /me %d:\n%s", c.lang, code, page)
		}
		for _, want := range c.meWords {
			if !strings.Contains(page, want) {
				t.Errorf("%s: /me lacks %q", c.lang, want)
			}
		}
		if strings.Contains(page, "Your lists") || strings.Contains(page, "Every message") {
			t.Errorf("%s: /me still has English", c.lang)
		}

		// help by mail.
		if err := sendSMTP(e.smtp, false, c.addr, []string{"circle-request@lists.example.org"},
			post(c.addr, "circle-request@lists.example.org", "help", "help")); err != nil {
			t.Fatal(err)
		}
		_, body = mailTo(t, sink, c.addr, "Re: help")
		for _, want := range c.helpWords {
			if !strings.Contains(body, want) {
				t.Errorf("%s: help answer lacks %q:\n%s", c.lang, want, body)
			}
		}

		// subscribe by mail to another list: the confirmation.
		if err := sendSMTP(e.smtp, false, c.addr, []string{"reading-request@lists.example.org"},
			post(c.addr, "reading-request@lists.example.org", "subscribe", "subscribe")); err != nil {
			t.Fatal(err)
		}
		_, body = mailTo(t, sink, c.addr, c.confirmSubject)
		for _, want := range c.confirmWords {
			if !strings.Contains(body, want) {
				t.Errorf("%s: confirmation lacks %q:\n%s", c.lang, want, body)
			}
		}
	}

	// Someone who chose no language joins the Spanish list: Spanish.
	if err := sendSMTP(e.smtp, false, "pablo@example.org", []string{"reading-request@lists.example.org"},
		post("pablo@example.org", "reading-request@lists.example.org", "subscribe", "subscribe")); err != nil {
		t.Fatal(err)
	}
	mailTo(t, sink, "pablo@example.org", "Confirma, por favor: unirte a Reading Room")

	// An anonymous visitor: their browser's language, then the footer's
	// switch (a form, no script) sets it for the next pages.
	jar, _ := cookiejar.New(nil)
	anon := &webClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	req, _ := http.NewRequest("GET", base+"/", nil)
	req.Header.Set("Accept-Language", "he-IL,he;q=0.9,en;q=0.5")
	resp, err := anon.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `<html lang="he" dir="rtl">`) || !strings.Contains(string(b), "רשימות תפוצה") {
		t.Errorf("Accept-Language he: %s", b)
	}
	code, page := anon.post("/lang", url.Values{"lang": {"es"}, "back": {"/login"}})
	if code != 200 || !strings.Contains(page, `<html lang="es" dir="ltr">`) || !strings.Contains(page, "Enviarme un enlace para entrar") {
		t.Errorf("after the switch to es: %d %s", code, page)
	}
	if code, page := anon.post("/lang", url.Values{"lang": {"es"}, "back": {"//evil.example/"}}); code != 200 || !strings.Contains(page, "Listas de correo") {
		t.Errorf("a switch back to another site must land on the front page: %d", code)
	}
}
