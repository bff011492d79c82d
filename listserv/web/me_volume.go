package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"minyan/listserv"
	"minyan/store"
)

func (h *handler) volumeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /mute/{token}/{thread}", h.mutePage)
	mux.HandleFunc("POST /mute/{token}/{thread}", h.muteLink)
	mux.HandleFunc("POST /me/mute", h.meMute)
}

// muteTarget reads the token and thread of a mute link's path.
func muteTarget(token, thread string) (string, uint64, bool) {
	token = strings.ToLower(strings.TrimSpace(token))
	if token == "" || len(token) > 64 {
		return "", 0, false
	}
	for _, r := range token {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return "", 0, false
		}
	}
	n, ok := listserv.ParseThreadNumber(thread)
	return token, n, ok
}

// muteChoice reads the button of the mute page: action=mute (the
// default) or action=unmute.
func muteChoice(v url.Values) (mute bool, err error) {
	switch strings.TrimSpace(v.Get("action")) {
	case "", "mute":
		return true, nil
	case "unmute":
		return false, nil
	}
	return false, errors.New("that action is not known here")
}

func (h *handler) badMuteLink(w http.ResponseWriter, r *http.Request) {
	h.page(w, r, http.StatusNotFound, "invalid", map[string]any{"Title": h.t(r, "page.bad_link_title"), "Message": listserv.ErrBadMuteLink.Error()})
}

// mutePage shows what the link would do and one button; opening the
// link changes nothing (mail scanners open links).
func (h *handler) mutePage(w http.ResponseWriter, r *http.Request) {
	token, thread, ok := muteTarget(r.PathValue("token"), r.PathValue("thread"))
	if !ok {
		h.badMuteLink(w, r)
		return
	}
	title, addr, subject, muted, err := h.d.tokens.MuteLinkInfo(token, thread)
	if err != nil {
		h.badMuteLink(w, r)
		return
	}
	h.page(w, r, http.StatusOK, "mute", map[string]any{"Title": h.tFor(r, addr, "mute.title"), "List": title, "Address": addr,
		"Subject": subject, "Muted": muted, "LangFor": addr})
}

// muteLink acts on the mute page's button.
func (h *handler) muteLink(w http.ResponseWriter, r *http.Request) {
	token, thread, ok := muteTarget(r.PathValue("token"), r.PathValue("thread"))
	if !ok {
		h.badMuteLink(w, r)
		return
	}
	v, err := postForm(r)
	if err != nil {
		h.message(w, r, http.StatusBadRequest, h.t(r, "page.not_understood"), h.errText(r, err))
		return
	}
	mute, err := muteChoice(v)
	if err != nil {
		h.message(w, r, http.StatusBadRequest, h.t(r, "page.not_understood"), h.errText(r, err))
		return
	}
	answer, err := h.d.tokens.MuteByLink(token, thread, mute)
	if errors.Is(err, listserv.ErrBadMuteLink) {
		h.badMuteLink(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	title := h.t(r, "mute.muted_title")
	if !mute {
		title = h.t(r, "mute.unmuted_title")
	}
	h.message(w, r, http.StatusOK, title, answer)
}

// meMute is the Unmute (or Mute) button of /me: fields list, thread and
// action.
func (h *handler) meMute(w http.ResponseWriter, r *http.Request) {
	v, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	vals, err := postForm(r)
	if err != nil {
		h.renderMe(w, r, v, http.StatusBadRequest, "", h.errText(r, err))
		return
	}
	name, ok := listName(vals.Get("list"))
	thread, tok := listserv.ParseThreadNumber(vals.Get("thread"))
	if !ok || !tok {
		h.notFound(w, r)
		return
	}
	mute, err := muteChoice(vals)
	if err != nil {
		h.renderMe(w, r, v, http.StatusBadRequest, "", h.errText(r, err))
		return
	}
	if err := h.d.volume.SetThreadMuted(r.Context(), v.Actor(), name, v.Address, thread, mute); err != nil {
		h.fail(w, r, err)
		return
	}
	notice := h.t(r, "me_go.unmuted")
	if mute {
		notice = h.t(r, "me_go.muted")
	}
	h.renderMe(w, r, v, http.StatusOK, notice, "")
}

// volumeForm is the digest frequency and topics fields of a /me list
// form; a field that is absent leaves its setting alone.
type volumeForm struct {
	Frequency store.DigestFrequency
	Topics    []string
	SetTopics bool
}

func volumeValues(v url.Values) (volumeForm, error) {
	var f volumeForm
	if d := v.Get("digest"); d != "" {
		fr, ok := store.ParseDigestFrequency(d)
		if !ok {
			return f, errors.New("please choose a daily or a weekly digest")
		}
		f.Frequency = fr
	}
	if v.Has("topics") {
		ts, ok := listserv.ParseTopicList(v.Get("topics"))
		if !ok {
			return f, errors.New("topics are words of letters, digits, - and _, separated by commas (leave the box empty for every topic)")
		}
		f.Topics, f.SetTopics = ts, true
	}
	return f, nil
}

// saveVolume applies the frequency and topics of a /me list form; it
// returns the domain's answer about topics (what they change, or why
// they change nothing in digest mode), a problem to show the person, or
// an error for fail.
func (h *handler) saveVolume(r *http.Request, v Viewer, list string) (answer, problem string, err error) {
	f, err := volumeValues(r.PostForm)
	if err != nil {
		return "", h.errText(r, err), nil
	}
	if f.Frequency != "" {
		if err := h.d.volume.SetDigestFrequency(r.Context(), v.Actor(), list, v.Address, f.Frequency); err != nil {
			return "", "", err
		}
	}
	if f.SetTopics {
		answer, err = h.d.volume.SetTopics(r.Context(), v.Actor(), list, v.Address, f.Topics)
		var unknown listserv.UnknownTopicError
		if errors.As(err, &unknown) {
			return "", sentence(unknown.Error()), nil
		}
		if err != nil {
			return "", "", err
		}
		if len(f.Topics) == 0 {
			answer = "" // every topic: nothing to explain
		}
	}
	return answer, "", nil
}

// meVolumeData adds the digest frequency, topics and muted threads to
// /me's data.
func (h *handler) meVolumeData(r *http.Request, v Viewer, data map[string]any) error {
	vol, err := h.d.volume.SelfVolume(r.Context(), v.Actor())
	if err != nil {
		return err
	}
	muted, err := h.d.volume.MutedThreads(r.Context(), v.Actor())
	if err != nil {
		return err
	}
	data["Volume"], data["Muted"] = vol, muted
	return nil
}
