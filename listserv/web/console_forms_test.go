package web

import (
	"net/url"
	"strings"
	"testing"
)

func fuzzValues(f *testing.F, seeds []string, check func(t *testing.T, v url.Values)) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		check(t, v)
	})
}

func FuzzSettingsForm(f *testing.F) {
	fuzzValues(f, []string{"title=Team&capacity=15", "footer=a%0D%0Ab", "posting=x&posting=y", "nonsense=1", "description=%00"},
		func(t *testing.T, v url.Values) {
			out, err := settingsValues(v)
			if err != nil {
				return
			}
			for k, s := range out {
				if strings.ContainsRune(s, 0) || strings.Contains(s, "\r\n") || len(s) > maxField {
					t.Errorf("%s: unclean value %q", k, s)
				}
			}
		})
}

func FuzzTemplateForm(f *testing.F) {
	fuzzValues(f, []string{"action=save&text=Subject:+x%0A%0Ahi", "action=reset", "action=delete", "action=preview&text=%00"},
		func(t *testing.T, v url.Values) {
			f, err := templateValues(v)
			if err != nil {
				return
			}
			if f.Action != "save" && f.Action != "preview" && f.Action != "reset" {
				t.Errorf("action %q", f.Action)
			}
			if f.Action != "reset" && (strings.Contains(f.Text, "\r\n") || strings.ContainsRune(f.Text, 0)) {
				t.Errorf("unclean text %q", f.Text)
			}
		})
}

func FuzzCreateListForm(f *testing.F) {
	fuzzValues(f, []string{"name=team&kind=discussion&title=Team", "name=../x&kind=caucus", "name=Team&kind=community", "name=a&kind=forum", "name=a&kind=announce&title=a%0Ab"},
		func(t *testing.T, v url.Values) {
			f, err := createListValues(v)
			if err != nil {
				return
			}
			if _, ok := listName(f.Name); !ok || strings.ContainsAny(f.Title, "\r\n") {
				t.Errorf("unclean form %+v", f)
			}
		})
}

func FuzzPairsForm(f *testing.F) {
	fuzzValues(f, []string{"action=make", "action=set&groups=a@example.org,+b@example.org%0Ac@example.org+d@example.org", "action=set&groups=", "action=set&groups=notanaddress"},
		func(t *testing.T, v url.Values) {
			f, err := pairsValues(v)
			if err != nil || f.Action == "make" {
				return
			}
			for _, g := range f.Groups {
				for _, a := range g {
					if !strings.Contains(a, "@") || strings.ContainsAny(a, " ,\n") {
						t.Errorf("unclean address %q", a)
					}
				}
			}
		})
}

// FuzzOrgForm: the organization form and path names never panic; what
// they accept is a short name the domain allows and a seat count in
// bounds.
func FuzzOrgForm(f *testing.F) {
	fuzzValues(f, []string{"org=ACME&contact=c%40example.org&seats=2&type=jewish", "org=a%2Fb", "org=X&seats=-1", "org=X&type=bank", "org=X&contact=not+mail"},
		func(t *testing.T, v url.Values) {
			out, err := orgValues(v)
			if err != nil {
				return
			}
			if _, ok := orgSlug(out.Spec.Slug); !ok || out.Spec.Seats < -1 || out.Spec.Seats > 10000 {
				t.Errorf("accepted %+v", out.Spec)
			}
		})
}
