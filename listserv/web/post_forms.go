package web

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"minyan/listserv"
)

// webPostMaxBytes bounds the body of the post and reply forms (an
// attachment in multipart/form-data). The list's own max_message_bytes
// is applied by the domain to the composed message; this only keeps a
// request from filling the disk first.
const webPostMaxBytes = 40 << 20

// postFormMemory is how much of a multipart form is kept in memory;
// the rest of an attachment waits in a temporary file.
const postFormMemory = 1 << 20

// maxPostText bounds the subject and the body typed on the forms.
const (
	maxPostSubject = listserv.MaxWebSubject
	maxPostBody    = 1 << 20
)

// postBodyLimit is the body limit of the post and reply forms.
func postBodyLimit(method, path string) (int64, bool) {
	if method != http.MethodPost || !strings.HasPrefix(path, "/lists/") {
		return 0, false
	}
	if strings.HasSuffix(path, "/post") || strings.HasSuffix(path, "/reply") {
		return webPostMaxBytes, true
	}
	return 0, false
}

var (
	errPostForm    = errors.New("that form could not be read; please try again")
	errPostTooLong = errors.New("the subject or the message is too long; please shorten it (a subject takes up to 250 bytes)")
	errPostText    = errors.New("the message contains bytes that are not text; please retype it")
)

// readPostFields reads a post or reply form, multipart or urlencoded:
// its values and its one optional attachment.
func readPostFields(r *http.Request) (url.Values, *listserv.WebAttachment, error) {
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(strings.ToLower(ct), "multipart/form-data") {
		if err := r.ParseMultipartForm(postFormMemory); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, nil, listserv.ErrTooBig
			}
			return nil, nil, errPostForm
		}
		defer r.MultipartForm.RemoveAll()
		att, err := attachmentOf(r.MultipartForm)
		if err != nil {
			return nil, nil, err
		}
		return url.Values(r.MultipartForm.Value), att, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, nil, errPostForm
	}
	return r.PostForm, nil, nil
}

// attachmentOf reads the form's "attachment" file; a file input left
// empty (no name, no bytes) is no attachment.
func attachmentOf(f *multipart.Form) (*listserv.WebAttachment, error) {
	hs := f.File["attachment"]
	if len(hs) == 0 || (hs[0].Filename == "" && hs[0].Size == 0) {
		return nil, nil
	}
	fh := hs[0]
	file, err := fh.Open()
	if err != nil {
		return nil, errPostForm
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, webPostMaxBytes))
	if err != nil {
		return nil, errPostForm
	}
	return &listserv.WebAttachment{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data}, nil
}

// postFields checks the text fields of a post or reply form: UTF-8,
// bounded, line ends made LF.
func postFields(v url.Values) (subject, body string, alert bool, err error) {
	subject = strings.TrimSpace(v.Get("subject"))
	body = strings.ReplaceAll(v.Get("body"), "\r\n", "\n")
	if len(subject) > maxPostSubject || len(body) > maxPostBody {
		return "", "", false, errPostTooLong
	}
	if !utf8.ValidString(subject) || !utf8.ValidString(body) || strings.ContainsRune(subject+body, 0) {
		return "", "", false, errPostText
	}
	return subject, body, v.Get("alert") == "1", nil
}
