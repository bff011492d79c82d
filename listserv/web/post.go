package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"minyan/listserv"
)

// Posting from the browser: GET and POST /lists/NAME/post start a
// topic, POST /lists/NAME/m/SEQ/reply answers a message. The handlers
// read the form and hand it to one domain operation (PostFromWeb), which
// composes the message and takes it through the posting pipeline mail
// takes; the page says what became of it.

// PostCore is what posting from the browser needs.
type PostCore interface {
	PostFromWeb(ctx context.Context, a listserv.Actor, list string, p listserv.WebPost) (listserv.PostOutcome, error)
}

func (h *handler) postRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /lists/{name}/post", h.postPage)
	mux.HandleFunc("POST /lists/{name}/post", h.post)
	mux.HandleFunc("POST /lists/{name}/m/{seq}/reply", h.reply)
}

// postPage shows the form to start a topic.
func (h *handler) postPage(w http.ResponseWriter, r *http.Request) {
	v, name, ok := h.signedInOnList(w, r)
	if !ok {
		return
	}
	h.postForm(w, r, v, name, http.StatusOK, "", "", "")
}

// postForm renders the compose form again with what was typed and a
// problem, or fresh.
func (h *handler) postForm(w http.ResponseWriter, r *http.Request, v Viewer, name string, status int, subject, body, problem string) {
	lv, err := h.d.directory.ListPage(r.Context(), v.Actor(), name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, status, "post", map[string]any{"Title": h.t(r, "post_go.title", lv.Title), "List": lv,
		"CanAlert": listserv.RoleRank(lv.Role) >= listserv.RoleRank(listserv.ListModerator),
		"Subject":  subject, "Body": body, "Problem": problem, "Viewer": v.Address})
}

// post takes the compose form.
func (h *handler) post(w http.ResponseWriter, r *http.Request) {
	v, name, ok := h.signedInOnList(w, r)
	if !ok {
		return
	}
	vals, att, err := readPostFields(r)
	if err != nil {
		h.postProblem(w, r, v, name, 0, "", "", err)
		return
	}
	subject, body, alert, err := postFields(vals)
	if err != nil {
		h.postProblem(w, r, v, name, 0, "", "", err)
		return
	}
	out, err := h.d.post.PostFromWeb(r.Context(), v.Actor(), name, listserv.WebPost{Subject: subject, Body: body, Attachment: att, Alert: alert})
	if err != nil {
		h.postProblem(w, r, v, name, 0, subject, body, err)
		return
	}
	h.posted(w, r, name, 0, out)
}

// reply takes the reply form under a message.
func (h *handler) reply(w http.ResponseWriter, r *http.Request) {
	v, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	name, seq, ok := h.messagePath(w, r)
	if !ok {
		return
	}
	vals, att, err := readPostFields(r)
	if err != nil {
		h.postProblem(w, r, v, name, seq, "", "", err)
		return
	}
	_, body, _, err := postFields(vals)
	if err != nil {
		h.postProblem(w, r, v, name, seq, "", "", err)
		return
	}
	out, err := h.d.post.PostFromWeb(r.Context(), v.Actor(), name, listserv.WebPost{Body: body, Attachment: att, InReplyTo: seq})
	if err != nil {
		h.postProblem(w, r, v, name, seq, "", body, err)
		return
	}
	h.posted(w, r, name, seq, out)
}

// postProblem answers a post the person can fix by showing the form
// again with the problem; a list or message they may not see is "Page
// not found".
func (h *handler) postProblem(w http.ResponseWriter, r *http.Request, v Viewer, name string, seq uint64, subject, body string, err error) {
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, listserv.ErrNotFound), errors.Is(err, listserv.ErrNoMessage):
		h.notFound(w, r)
		return
	case errors.Is(err, listserv.ErrTooBig):
		status = http.StatusRequestEntityTooLarge
		err = errors.New("the message with its attachment is larger than this list takes; please send a smaller file or a link to it")
	case errors.Is(err, listserv.ErrEmptyPost), errors.Is(err, listserv.ErrNoSubject),
		errors.Is(err, errPostForm), errors.Is(err, errPostTooLong), errors.Is(err, errPostText):
	case errors.As(err, new(*listserv.Reject)):
		// What an SMTP client would be told (a permanent refusal of the
		// message itself): the person reads the same sentence.
		var rj *listserv.Reject
		errors.As(err, &rj)
		if rj.Code/100 != 5 {
			h.fail(w, r, err)
			return
		}
		err = errors.New(rj.Message)
	default:
		h.fail(w, r, err)
		return
	}
	if seq != 0 {
		h.page(w, r, status, "post-done", map[string]any{"Title": h.t(r, "post_go.reply_not_sent"), "Problem": sentence(err.Error()),
			"Back": "/lists/" + name + "/m/" + strconv.FormatUint(seq, 10) + "#reply", "Viewer": v.Address})
		return
	}
	h.postForm(w, r, v, name, status, subject, body, sentence(err.Error()))
}

// posted says what became of a post: on its way, waiting for a
// moderator, or not accepted (with the reason, as mail would say).
func (h *handler) posted(w http.ResponseWriter, r *http.Request, name string, seq uint64, out listserv.PostOutcome) {
	back := "/lists/" + name
	if seq != 0 {
		back += "/m/" + strconv.FormatUint(seq, 10)
	}
	reason := out.Reason
	if !out.Why.IsZero() {
		reason = out.Why.In(h.lang(r))
	}
	data := map[string]any{"Back": back, "Outcome": string(out.Action), "Reason": reason, "List": name}
	status := http.StatusOK
	switch out.Action {
	case listserv.Accept:
		data["Title"] = h.t(r, "post_go.on_its_way")
	case listserv.Hold:
		data["Title"] = h.t(r, "post_go.waiting")
	default:
		data["Title"] = h.t(r, "post_go.not_accepted")
		status = http.StatusForbidden
	}
	h.page(w, r, status, "post-done", data)
}
