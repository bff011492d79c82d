package migrate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"minyan/listserv"
	"minyan/store"
)

// Mailman3 reads a list from Mailman 3 core's REST API (version 3.1):
// the list (/lists/{list}), its settings (/lists/{id}/config), and its
// roster by role (/lists/{id}/roster/{member,moderator,owner}, paged),
// with each member's delivery status from /members/{id}/preferences.
type Mailman3 struct {
	// BaseURL is the REST root, such as http://localhost:8001 (the
	// "/3.1" is added).
	BaseURL string
	// User and Password are the REST admin credentials (basic auth).
	User, Password string
	Client         *http.Client
}

// mm3PageSize is how many roster entries one request asks for.
const mm3PageSize = 500

// get decodes one JSON resource.
func (m *Mailman3) get(ctx context.Context, path string, v any) error {
	u := strings.TrimRight(m.BaseURL, "/") + "/3.1" + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if m.User != "" {
		req.SetBasicAuth(m.User, m.Password)
	}
	req.Header.Set("Accept", "application/json")
	client := m.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("mailman REST: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("mailman REST %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mailman REST %s answered %s: %s", path, resp.Status, strings.TrimSpace(string(body)))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("mailman REST %s: %w", path, err)
	}
	return nil
}

// mm3List is /lists/{list}.
type mm3List struct {
	ListID       string `json:"list_id"`
	FQDNListname string `json:"fqdn_listname"`
	ListName     string `json:"list_name"`
	DisplayName  string `json:"display_name"`
	Description  string `json:"description"`
	Advertised   *bool  `json:"advertised"`
}

// mm3Member is one roster entry.
type mm3Member struct {
	Email        string `json:"email"`
	DisplayName  string `json:"display_name"`
	Role         string `json:"role"`
	DeliveryMode string `json:"delivery_mode"`
	MemberID     any    `json:"member_id"` // a string or a number, by version
}

type mm3Page struct {
	Entries   []mm3Member `json:"entries"`
	TotalSize int         `json:"total_size"`
}

// Read fetches the list named by its posting address (or list id).
func (m *Mailman3) Read(ctx context.Context, list string) (*Source, error) {
	var l mm3List
	if err := m.get(ctx, "/lists/"+url.PathEscape(list), &l); err != nil {
		return nil, err
	}
	var cfg map[string]any
	if err := m.get(ctx, "/lists/"+url.PathEscape(l.ListID)+"/config", &cfg); err != nil {
		return nil, err
	}
	src := &Source{Format: FormatMailman3, Name: strings.ToLower(l.ListName), Address: strings.ToLower(l.FQDNListname), Kind: string(listserv.KindDiscussion)}
	mm3Settings(src, cfg)
	roster := map[string]*listserv.MemberSpec{}
	var order []string
	for _, role := range []listserv.ListRole{listserv.ListMember, listserv.ListModerator, listserv.ListOwner} {
		for page := 1; ; page++ {
			var p mm3Page
			q := fmt.Sprintf("/lists/%s/roster/%s?count=%d&page=%d", url.PathEscape(l.ListID), role, mm3PageSize, page)
			if err := m.get(ctx, q, &p); err != nil {
				return nil, err
			}
			for _, e := range p.Entries {
				key := strings.ToLower(e.Email)
				sp, ok := roster[key]
				if !ok {
					// Owners and moderators need not be members: they
					// come without list mail unless also members.
					sp = &listserv.MemberSpec{Address: e.Email, Name: e.DisplayName, Role: listserv.ListMember, Mode: listserv.ModeNomail}
					roster[key] = sp
					order = append(order, key)
				}
				if role == listserv.ListMember {
					sp.Mode = mm3Mode(e.DeliveryMode)
					if id := fmt.Sprint(e.MemberID); e.MemberID != nil && id != "" {
						var prefs struct {
							DeliveryStatus string `json:"delivery_status"`
						}
						if err := m.get(ctx, "/members/"+url.PathEscape(id)+"/preferences", &prefs); err != nil {
							return nil, err
						}
						if prefs.DeliveryStatus != "" && prefs.DeliveryStatus != mm3DeliveryEnabled {
							sp.Mode = listserv.ModeNomail
						}
					}
				} else {
					sp.Role = role
				}
				if sp.Name == "" {
					sp.Name = e.DisplayName
				}
			}
			if len(p.Entries) < mm3PageSize || page*mm3PageSize >= p.TotalSize {
				break
			}
		}
	}
	for _, k := range order {
		src.Members = append(src.Members, *roster[k])
	}
	return src, nil
}

// mm3Mode maps delivery_mode.
func mm3Mode(v string) listserv.Mode {
	if strings.HasSuffix(v, "_digests") {
		return listserv.ModeDigest
	}
	return listserv.ModeEach
}

// mm3Settings maps the config resource.
func mm3Settings(src *Source, cfg map[string]any) {
	str := func(k string) string { s, _ := cfg[k].(string); return strings.TrimSpace(s) }
	boolean := func(k string) (bool, bool) { b, ok := cfg[k].(bool); return b, ok }
	if d := str("description"); d != "" {
		src.set("title", d, "description")
	} else if d := str("display_name"); d != "" {
		src.set("title", d, "display_name")
	}
	if info := str("info"); info != "" {
		src.set("description", info, "info")
	}
	if p, ok := cfg["subject_prefix"].(string); ok {
		src.set("subject_prefix", strings.TrimSpace(p), "subject_prefix")
	}
	if v := mm3SubscriptionPolicy(str("subscription_policy")); mm3Subscribe[v] != "" {
		src.set("subscribe", string(mm3Subscribe[v]), "subscription_policy")
		if v == mm3SubscribeConfirmThenModerate {
			src.unmapped("subscription_policy", string(v), "imported as approve (a request still comes from the address itself)")
		}
	}
	if a, ok := mm3Archive[mm3ArchivePolicy(str("archive_policy"))]; ok {
		src.set("archive", string(a), "archive_policy")
	}
	if v := mm3ReplyGoesToList(str("reply_goes_to_list")); mm3ReplyTo[v] != "" {
		src.set("reply_to", mm3ReplyTo[v], "reply_goes_to_list")
	} else if v != "" {
		src.unmapped("reply_goes_to_list", string(v)+" ("+str("reply_to_address")+")", "replies to an explicit address have no equivalent")
	}
	if n, ok := cfg["max_message_size"].(float64); ok {
		if n > 0 {
			src.set("max_message_bytes", strconv.FormatInt(int64(n)*1024, 10), "max_message_size")
		} else {
			src.unmapped("max_message_size", "0", "no limit: the server's max_message_bytes applies")
		}
	}
	nonmember := mm3Action(str("default_nonmember_action"))
	if nonmember == mm3Accept {
		src.set("posting", string(store.PostingOpen), "default_nonmember_action")
	} else if a, ok := mm3NonmemberAction[nonmember]; ok {
		src.set("nonmember_action", a, "default_nonmember_action")
	}
	if mm3Action(str("default_member_action")) == mm3Hold {
		src.set("posting", string(store.PostingModerated), "default_member_action")
	} else if nonmember != mm3Accept && nonmember != "" {
		src.set("posting", string(store.PostingMembers), "default_member_action")
	}
	if b, ok := boolean("advertised"); ok {
		src.set("advertised", strconv.FormatBool(b), "advertised")
	}
	if v := str("personalize"); v != "" {
		src.set("personalize", strconv.FormatBool(mm3Personalize(v) != mm3PersonalizeNone), "personalize")
	}
	if b, ok := boolean("emergency"); ok {
		src.set("emergency", strconv.FormatBool(b), "emergency")
	}
	switch v := mm3DMARCAction(str("dmarc_mitigate_action")); v {
	case mm3NoMitigation:
		src.set("dmarc_mitigation", "never", "dmarc_mitigate_action")
	case mm3MungeFrom, mm3WrapMessage:
		if b, _ := boolean("dmarc_mitigate_unconditionally"); b {
			src.set("dmarc_mitigation", "always", "dmarc_mitigate_action")
		} else {
			src.set("dmarc_mitigation", "auto", "dmarc_mitigate_action")
		}
	case "":
	default:
		src.unmapped("dmarc_mitigate_action", string(v), "refusing DMARC-strict senders has no equivalent: their From is rewritten")
	}
	for _, k := range []string{"acceptable_aliases", "accept_these_nonmembers", "hold_these_nonmembers", "reject_these_nonmembers", "discard_these_nonmembers"} {
		if l, ok := cfg[k].([]any); ok && len(l) > 0 {
			parts := make([]string, len(l))
			for i, v := range l {
				parts[i] = fmt.Sprint(v)
			}
			src.unmapped(k, strings.Join(parts, ", "), "no per-address lists here")
		}
	}
	src.unmapped("templates", "", "Mailman 3 keeps footers and welcome texts as templates (/lists/{id}/uris); they are not read: set footer with `minyan list set`")
}
