package main

import (
	"encoding/json"
	"testing"

	"minyan/store"
)

// TestAPIProfile: GET /api/v1/people/ADDRESS shows the profile (off by
// default), PATCH changes any of its fields, all against
// docs/openapi.yaml.
func TestAPIProfile(t *testing.T) {
	t.Parallel()
	e := startEnv(t, func(c *Config) { c.Network.IntrosEvery = Duration{} })
	e.setup("team", "discussion", map[string]string{"dana@example.org": "member"})
	write, err := e.srv.App.Svc.CreateAPIToken("crm", store.ScopeWrite)
	if err != nil {
		t.Fatal(err)
	}
	read, err := e.srv.App.Svc.CreateAPIToken("reports", store.ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	c := newAPIClient(t, e.srv.HTTPAddr)
	type profile struct {
		ID       string
		Pronouns string
		Region   string
		Roles    []string
		About    string
		Listed   bool
		Intros   bool
		Lang     string
	}
	var p struct {
		Name    string
		Profile profile
	}
	json.Unmarshal(c.want(200, read, "GET", "/people/dana@example.org", nil), &p)
	if p.Profile.Listed || p.Profile.Intros || p.Profile.ID != "" {
		t.Fatalf("a new profile: %+v", p)
	}
	json.Unmarshal(c.want(200, write, "PATCH", "/people/dana@example.org", map[string]any{
		"name": "Dana", "pronouns": "they/them", "region": "Ohio", "roles": []string{"other", "organizer"},
		"about": "Organizer", "listed": true, "intros": true, "lang": "es"}), &p)
	if p.Name != "Dana" || !p.Profile.Listed || !p.Profile.Intros || p.Profile.Lang != "es" || p.Profile.ID == "" ||
		len(p.Profile.Roles) != 2 || p.Profile.Roles[0] != "organizer" || p.Profile.Region != "Ohio" {
		t.Fatalf("after PATCH: %+v", p)
	}
	json.Unmarshal(c.want(200, write, "PATCH", "/people/dana@example.org", map[string]any{"listed": false}), &p)
	if p.Profile.Listed || !p.Profile.Intros || p.Profile.Pronouns != "they/them" {
		t.Fatalf("after unlisting: %+v", p)
	}
	c.want(422, write, "PATCH", "/people/dana@example.org", map[string]any{"roles": []string{"astronaut"}})
	c.want(422, write, "PATCH", "/people/dana@example.org", map[string]any{"lang": "fr"})
	c.want(400, write, "PATCH", "/people/dana@example.org", `{"listed":"yes"}`)
	c.want(400, write, "PATCH", "/people/dana@example.org", `{}`)
	c.want(403, read, "PATCH", "/people/dana@example.org", map[string]any{"listed": true})
}
