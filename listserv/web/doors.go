package web

import (
	"context"
	"io"
	"time"

	"minyan/digest"
	"minyan/listserv"
	"minyan/store"
)

// The web door's needs from the domain, one small interface per page
// group, each named for what its pages do. A page handler reaches the
// domain only through its group's interface (handler fields below), so a
// reader sees what each page may do and a test fakes only that. Every
// method is a domain operation that takes the actor and checks its right
// itself; the web only translates forms and answers.

// SiteCore is what every page needs: the site's domain, its health, who is signed in and whether they are a site admin.
type SiteCore interface {
	Domain() string
	Healthy() error
	SessionAddress(sid string) (string, bool)
	IsSiteAdmin(a listserv.Actor) bool
}

// TokenCore is what the pages reached by a link in a mail need: one-click unsubscribe, join and leave confirmations, muting a thread.
type TokenCore interface {
	Unsubscribe(token string) (list, addr string, err error)
	UnsubscribeInfo(token string) (list, addr string, ok bool)
	ConfirmInfo(token string) (action, list, addr string, ok bool)
	Confirm(ctx context.Context, token string) (string, error)
	MuteLinkInfo(token string, thread uint64) (title, addr, subject string, muted bool, err error)
	MuteByLink(token string, thread uint64, mute bool) (string, error)
}

// DirectoryCore is what the directory and a list's public page need: the lists a visitor may see and the one join operation.
type DirectoryCore interface {
	Directory(ctx context.Context, a listserv.Actor) ([]listserv.ListCard, error)
	ListPage(ctx context.Context, a listserv.Actor, name string) (listserv.ListView, error)
	ListSessions(ctx context.Context, a listserv.Actor, name string, viewer *time.Location) ([]digest.Upcoming, error)
	SelfJoin(ctx context.Context, a listserv.Actor, name, addr, display string) (string, error)
}

// LoginCore is what signing in by mail needs.
type LoginCore interface {
	StartLogin(addr, next string) error
	LoginAddress(token string) (string, bool)
	FinishLogin(token string, endOthers bool) (sid, addr, next string, err error)
	Logout(sid string, everywhere bool) error
}

// MeCore is what a person's own page needs about their memberships, sessions and partners.
type MeCore interface {
	SelfLists(ctx context.Context, a listserv.Actor) ([]listserv.MyList, error)
	SelfSetMode(ctx context.Context, a listserv.Actor, name, mode string) error
	SelfLeave(ctx context.Context, a listserv.Actor, name string) (string, error)
	SelfAppPassword(ctx context.Context, a listserv.Actor) (password, server string, err error)
	MySessions(ctx context.Context, a listserv.Actor) ([]digest.Upcoming, error)
	RSVP(ctx context.Context, a listserv.Actor, list string, id uint64, answer string, answers []string) (digest.Outcome, error)
	MyPartners(ctx context.Context, a listserv.Actor) ([]digest.Partners, error)
}

// CalendarCore is what the private calendar feed needs.
type CalendarCore interface {
	NewCalendarKey(ctx context.Context, a listserv.Actor) (string, error)
	CalendarKeyMade(ctx context.Context, a listserv.Actor) (time.Time, bool)
	CalendarOwner(key string) (string, bool)
	CalendarFeed(addr string) ([]byte, error)
}

// VolumeCore is what the pages about how much mail comes need: digest frequency, topics and muted threads.
type VolumeCore interface {
	SelfVolume(ctx context.Context, a listserv.Actor) (map[string]listserv.MyVolume, error)
	SetDigestFrequency(ctx context.Context, a listserv.Actor, list, addr string, f store.DigestFrequency) error
	SetTopics(ctx context.Context, a listserv.Actor, list, addr string, topics []string) (string, error)
	MutedThreads(ctx context.Context, a listserv.Actor) ([]listserv.MutedThread, error)
	SetThreadMuted(ctx context.Context, a listserv.Actor, list, addr string, thread uint64, mute bool) error
}

// ConsoleCore is what the owners' console home, settings and mail texts need.
type ConsoleCore interface {
	Console(ctx context.Context, a listserv.Actor, list string) (listserv.ConsoleRights, error)
	ListSettings(ctx context.Context, a listserv.Actor, list string) (listserv.SettingsView, error)
	SetList(ctx context.Context, a listserv.Actor, list string, pairs []string) (store.List, error)
	MailTemplates(ctx context.Context, a listserv.Actor, list string) ([]listserv.MailTemplate, error)
	GetMailTemplate(ctx context.Context, a listserv.Actor, list, name string) (listserv.MailTemplate, error)
	SetMailTemplate(ctx context.Context, a listserv.Actor, list, name, src string) error
	ResetMailTemplate(ctx context.Context, a listserv.Actor, list, name string) error
	PreviewMailTemplate(ctx context.Context, a listserv.Actor, list, name, src string) (subject, body string, err error)
}

// SessionsCore is what the console's sessions and pairs pages need.
type SessionsCore interface {
	ConsoleSessions(ctx context.Context, a listserv.Actor, list string) ([]digest.Listed, error)
	AddSessions(ctx context.Context, a listserv.Actor, req digest.AddRequest) (digest.Added, error)
	MoveSession(ctx context.Context, a listserv.Actor, list string, id uint64, start string) (digest.SessionInfo, int, error)
	CancelSession(ctx context.Context, a listserv.Actor, list string, id uint64) (digest.SessionInfo, int, error)
	Attend(ctx context.Context, a listserv.Actor, list string, id uint64, addrs []string) (digest.AttendResult, error)
	Registrations(ctx context.Context, a listserv.Actor, list string, id uint64) (digest.Registrations, error)
	ExportRegistrations(ctx context.Context, a listserv.Actor, list string, id uint64) ([]byte, error)
	ConsolePairs(ctx context.Context, a listserv.Actor, list string) (store.Pairing, []string, error)
	MakePairs(ctx context.Context, a listserv.Actor, list string) (store.Pairing, int, error)
	SetPairs(ctx context.Context, a listserv.Actor, list string, groups [][]string) (store.Pairing, error)
}

// SiteAdminCore is what the site admins' pages need.
type SiteAdminCore interface {
	SiteOverview(ctx context.Context, a listserv.Actor) ([]listserv.ListSummary, error)
	CreateList(ctx context.Context, a listserv.Actor, name, kind, title, description string) (store.List, error)
	DeleteList(ctx context.Context, a listserv.Actor, name string) error
}

// HeldCore is what the console's held items and history need: one Decide for every decision.
type HeldCore interface {
	HeldQueue(ctx context.Context, a listserv.Actor, list string) ([]listserv.HeldPreview, error)
	HeldHistory(ctx context.Context, a listserv.Actor, list string) ([]store.Held, error)
	Decide(ctx context.Context, a listserv.Actor, list string, id uint64, action, reason string) (store.Held, error)
	Audit(ctx context.Context, a listserv.Actor, list string, limit int) ([]store.AuditEntry, error)
}

// RosterCore is what the console's roster pages need.
type RosterCore interface {
	RosterPageOf(ctx context.Context, a listserv.Actor, list string, f listserv.RosterFilter, page int) (listserv.RosterPage, error)
	RosterCSV(ctx context.Context, a listserv.Actor, list string, w io.Writer) error
	ImportMembers(ctx context.Context, a listserv.Actor, list string, rows []listserv.MemberRow, progress func(listserv.ImportProgress)) (listserv.ImportProgress, error)
	AddMembers(ctx context.Context, a listserv.Actor, list string, specs []listserv.MemberSpec, update bool) ([]listserv.AddResult, error)
	// ChangeMembers is every change of members the roster makes, of
	// one person or many: mode, role, removal, good standing.
	ChangeMembers(ctx context.Context, a listserv.Actor, list string, addrs []string, c listserv.MemberChange) (listserv.ChangeResult, error)
	Promote(ctx context.Context, a listserv.Actor, list, addr string, front bool) error
}

// Core is the whole domain as the production adapter (cmd/minyan) and
// the tests' fakes offer it: only Options uses it, to hand each page
// group its own interface.
type Core interface {
	SiteCore
	TokenCore
	DirectoryCore
	LoginCore
	MeCore
	CalendarCore
	VolumeCore
	ConsoleCore
	SessionsCore
	SiteAdminCore
	HeldCore
	RosterCore
	ArchiveCore // the web archive, search and resource hub (archive.go)
	AlertCore   // action alerts: the I-did-it page and the counts (alerts.go)
	CohortCore  // the console's next cohort (console_cohort.go)
	OrgCore     // partner organizations of coalition lists (orgs.go)
	PostCore    // posting and replying from the browser (post.go)
}

// doors are the page groups' interfaces, all taken from Options.Core.
type doors struct {
	site      SiteCore
	tokens    TokenCore
	directory DirectoryCore
	login     LoginCore
	me        MeCore
	calendar  CalendarCore
	volume    VolumeCore
	console   ConsoleCore
	sessions  SessionsCore
	siteAdmin SiteAdminCore
	held      HeldCore
	roster    RosterCore
	post      PostCore
	cohorts   CohortCore
}

func doorsOf(c Core) doors {
	return doors{site: c, tokens: c, directory: c, login: c, me: c, calendar: c, volume: c, console: c, sessions: c, siteAdmin: c, held: c, roster: c, post: c, cohorts: c}
}
