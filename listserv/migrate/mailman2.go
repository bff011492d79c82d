package migrate

import (
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"minyan/listserv"
	"minyan/store"
)

// ReadMailman2 reads a Mailman 2.1 list's config.pck (lists/NAME/
// config.pck: the MailList object's attributes pickled as one dict).
func ReadMailman2(r io.Reader) (*Source, error) {
	v, err := decodePickle(r)
	if err != nil {
		return nil, err
	}
	cfg, ok := v.(map[any]any)
	if !ok {
		return nil, fmt.Errorf("config.pck holds a %T, not the dict of a Mailman 2 list", v)
	}
	c := mm2{cfg}
	realName := c.text("real_name")
	if realName == "" {
		return nil, fmt.Errorf("config.pck has no real_name: not a Mailman 2 list's config")
	}
	src := &Source{Format: FormatMailman2, Name: strings.ToLower(realName), Kind: string(listserv.KindDiscussion)}
	host := c.text("host_name")
	if host != "" {
		src.Address = src.Name + "@" + host
	}
	subst := func(field, s string) string {
		s = strings.NewReplacer("%(real_name)s", realName, "%(list_name)s", src.Name, "%(host_name)s", host).Replace(s)
		var kept []string
		for _, line := range strings.Split(s, "\n") {
			if pyFormatRE.MatchString(line) {
				src.unmapped(field, line, "a line with Mailman substitutions that have no equivalent here; left out")
				continue
			}
			kept = append(kept, line)
		}
		return strings.TrimSpace(strings.Join(kept, "\n"))
	}
	if d := c.text("description"); d != "" {
		src.set("title", d, "description")
	}
	if info := c.text("info"); info != "" {
		src.set("description", info, "info")
	}
	if p := c.text("subject_prefix"); p != "" {
		src.set("subject_prefix", strings.TrimSpace(subst("subject_prefix", p)), "subject_prefix")
	}
	nonmember := mm2NonmemberAction[c.int("generic_nonmember_action")]
	if nonmember == mm3Accept {
		src.set("posting", string(store.PostingOpen), "generic_nonmember_action=accept")
	} else if a, ok := mm3NonmemberAction[nonmember]; ok {
		src.set("nonmember_action", a, "generic_nonmember_action")
	}
	if c.int("default_member_moderation") == 1 {
		src.set("posting", string(store.PostingModerated), "default_member_moderation")
	} else if nonmember != mm3Accept {
		src.set("posting", string(store.PostingMembers), "default_member_moderation")
	}
	if kb := c.int("max_message_size"); kb > 0 {
		src.set("max_message_bytes", strconv.FormatInt(kb*1024, 10), "max_message_size")
	} else if c.has("max_message_size") {
		src.unmapped("max_message_size", "0", "no limit: the server's max_message_bytes applies")
	}
	archive, from := mm3ArchivePublic, "archive_private"
	switch {
	case c.has("archive") && c.int("archive") == 0:
		archive, from = mm3ArchiveNever, "archive"
	case c.int("archive_private") == 1:
		archive = mm3ArchivePrivate
	}
	src.set("archive", string(mm3Archive[archive]), from)
	if c.has("advertised") {
		src.set("advertised", strconv.FormatBool(c.int("advertised") != 0), "advertised")
	}
	if p, ok := mm2SubscribePolicy[c.int("subscribe_policy")]; ok {
		src.set("subscribe", string(mm3Subscribe[p]), "subscribe_policy")
		if p == mm3SubscribeConfirmThenModerate {
			src.unmapped("subscribe_policy", "3", "confirm and approve: imported as approve (a request still comes from the address itself by mail or the web form)")
		}
	}
	switch r, ok := mm2ReplyGoesToList[c.int("reply_goes_to_list")]; {
	case mm3ReplyTo[r] != "":
		src.set("reply_to", mm3ReplyTo[r], "reply_goes_to_list")
	case ok:
		src.unmapped("reply_goes_to_list", "2 ("+c.text("reply_to_address")+")", "replies to an explicit address have no equivalent; reply_to left as it was")
	}
	if f := c.text("msg_footer"); f != "" {
		src.set("footer", subst("msg_footer", f), "msg_footer")
	}
	if c.has("personalize") {
		src.set("personalize", strconv.FormatBool(c.int("personalize") != 0), "personalize")
	}
	if c.has("emergency") {
		src.set("emergency", strconv.FormatBool(c.int("emergency") != 0), "emergency")
	}
	for _, f := range []struct{ field, why string }{
		{"msg_header", "no header text is added to posts here"},
		{"welcome_msg", "welcome texts are templates here (DATA_DIR/templates)"},
		{"goodbye_msg", "goodbye texts are templates here (DATA_DIR/templates)"},
		{"ban_list", "no ban list here: refuse such addresses in Postfix"},
		{"accept_these_nonmembers", "no per-address posting list for non-members"},
		{"hold_these_nonmembers", "no per-address posting list for non-members"},
		{"reject_these_nonmembers", "no per-address posting list for non-members"},
		{"discard_these_nonmembers", "no per-address posting list for non-members"},
		{"acceptable_aliases", "posts must name the list's own address"},
		{"topics", "topics are #tags here (the topics setting)"},
	} {
		if v := c.textOrList(f.field); v != "" {
			src.unmapped(f.field, v, f.why)
		}
	}
	src.Members = c.roster()
	return src, nil
}

// pyFormatRE finds a Python %(name)s substitution.
var pyFormatRE = regexp.MustCompile(`%\([a-z_]+\)[sd]`)

// mm2 reads typed values out of the config dict.
type mm2 struct{ m map[any]any }

func (c mm2) has(k string) bool { _, ok := c.m[k]; return ok }

func (c mm2) text(k string) string { return strings.TrimSpace(pyText(c.m[k])) }

// textOrList is a string value, or the entries of a list, joined.
func (c mm2) textOrList(k string) string {
	switch v := c.m[k].(type) {
	case string:
		return strings.TrimSpace(pyText(v))
	case []any:
		var parts []string
		for _, it := range v {
			if s := pyText(it); s != "" {
				parts = append(parts, s)
			} else if t, ok := it.(pyTuple); ok && len(t) > 0 {
				parts = append(parts, pyText(t[0]))
			}
		}
		return strings.Join(parts, ", ")
	}
	return ""
}

func (c mm2) int(k string) int64 { return pyInt(c.m[k]) }

func pyInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case bool:
		if n {
			return 1
		}
	case *big.Int:
		return n.Int64()
	}
	return 0
}

// dict returns a dict attribute with string keys.
func (c mm2) dict(k string) map[string]any {
	out := map[string]any{}
	if d, ok := c.m[k].(map[any]any); ok {
		for key, v := range d {
			if s, ok := key.(string); ok {
				out[strings.ToLower(pyText(s))] = v
			}
		}
	}
	return out
}

// list returns a list attribute of strings.
func (c mm2) list(k string) []string {
	var out []string
	if l, ok := c.m[k].([]any); ok {
		for _, v := range l {
			if s := pyText(v); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// roster reads members (regular and digest, keyed by the lowercased
// address; the value is 0, or the address as typed when its case
// differs), their names (usernames), who has delivery disabled
// (delivery_status), the owners and the moderators.
func (c mm2) roster() []listserv.MemberSpec {
	names := c.dict("usernames")
	status := c.dict("delivery_status")
	byAddr := map[string]*listserv.MemberSpec{}
	add := func(key string, v any, mode listserv.Mode) {
		addr := key
		if s, ok := v.(string); ok && s != "" {
			addr = pyText(s)
		}
		sp := &listserv.MemberSpec{Address: addr, Name: strings.TrimSpace(pyText(names[key])), Role: listserv.ListMember, Mode: mode}
		if st, ok := status[key].(pyTuple); ok && len(st) > 0 && pyInt(st[0]) != 0 {
			sp.Mode = listserv.ModeNomail
		}
		byAddr[key] = sp
	}
	for k, v := range c.dict("members") {
		add(k, v, listserv.ModeEach)
	}
	for k, v := range c.dict("digest_members") {
		add(k, v, listserv.ModeDigest)
	}
	for _, r := range []struct {
		attr string
		role listserv.ListRole
	}{{"moderator", listserv.ListModerator}, {"owner", listserv.ListOwner}} {
		for _, a := range c.list(r.attr) {
			key := strings.ToLower(a)
			if sp, ok := byAddr[key]; ok {
				sp.Role = r.role
				continue
			}
			// Owners and moderators of a Mailman 2 list need not be
			// members; here they are, without list mail.
			byAddr[key] = &listserv.MemberSpec{Address: a, Role: r.role, Mode: listserv.ModeNomail}
		}
	}
	out := make([]listserv.MemberSpec, 0, len(byAddr))
	for _, k := range sortedKeys(byAddr) {
		out = append(out, *byAddr[k])
	}
	return out
}
