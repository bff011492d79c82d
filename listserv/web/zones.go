package web

import (
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the zone list's offsets and session times need IANA zones even where the system has no zoneinfo
)

// commonZones are the time zones the console's forms offer, west to
// east: where the network's communities meet. A list whose own zone is
// not among them gets it added (zoneChoices), so no one is made to type
// an IANA name.
var commonZones = [...]string{
	"Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Vancouver", "America/Phoenix",
	"America/Denver", "America/Chicago", "America/Mexico_City", "America/New_York", "America/Toronto",
	"America/Bogota", "America/Lima", "America/Caracas", "America/Halifax", "America/Santiago",
	"America/Argentina/Buenos_Aires", "America/Sao_Paulo", "America/Montevideo", "UTC", "Europe/London",
	"Europe/Dublin", "Europe/Lisbon", "Africa/Lagos", "Europe/Madrid", "Europe/Paris", "Europe/Amsterdam",
	"Europe/Berlin", "Europe/Rome", "Europe/Warsaw", "Africa/Johannesburg", "Africa/Cairo", "Europe/Athens",
	"Europe/Kyiv", "Asia/Jerusalem", "Africa/Nairobi", "Europe/Istanbul", "Europe/Moscow", "Asia/Dubai",
	"Asia/Kolkata", "Asia/Bangkok", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul",
	"Australia/Perth", "Australia/Adelaide", "Australia/Sydney", "Pacific/Auckland",
}

// zoneChoice is one option of a zone <select>.
type zoneChoice struct {
	Zone, Label string
	Selected    bool
}

// zoneChoices are the options of a zone <select>: the common zones and
// the list's own, each labelled with its place and its UTC offset at
// now, with selected (else the list's zone) chosen.
func zoneChoices(listZone, selected string, now time.Time) []zoneChoice {
	if selected == "" {
		selected = listZone
	}
	zones := commonZones[:]
	for _, z := range []string{listZone, selected} {
		if z != "" && !slices.Contains(zones, z) {
			zones = append(slices.Clone(zones), z)
		}
	}
	out := make([]zoneChoice, 0, len(zones))
	for _, z := range zones {
		out = append(out, zoneChoice{Zone: z, Label: zoneLabel(z, now), Selected: z == selected})
	}
	return out
}

// zoneLabel names a zone for people: "America/New York (UTC−05:00)".
func zoneLabel(zone string, now time.Time) string {
	name := strings.ReplaceAll(zone, "_", " ")
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return name
	}
	_, off := now.In(loc).Zone()
	sign := "+"
	if off < 0 {
		sign, off = "−", -off
	}
	return fmt.Sprintf("%s (UTC%s%02d:%02d)", name, sign, off/3600, off%3600/60)
}
