package main

import (
	"context"

	"minyan/digest"
	"minyan/listserv"
	"minyan/store"
)

// The console's sessions and pairs come from the scheduler; everything
// else from the list service.

func (c webCore) ConsoleSessions(ctx context.Context, a listserv.Actor, list string) ([]digest.Listed, error) {
	return c.sched.Sessions(ctx, a, list)
}
func (c webCore) AddSessions(ctx context.Context, a listserv.Actor, req digest.AddRequest) (digest.Added, error) {
	return c.sched.AddSessions(ctx, a, req)
}
func (c webCore) MoveSession(ctx context.Context, a listserv.Actor, list string, id uint64, start string) (digest.SessionInfo, int, error) {
	return c.sched.MoveSession(ctx, a, list, id, start)
}
func (c webCore) Attend(ctx context.Context, a listserv.Actor, list string, id uint64, addrs []string) (digest.AttendResult, error) {
	return c.sched.Attend(ctx, a, list, id, addrs)
}
func (c webCore) CancelSession(ctx context.Context, a listserv.Actor, list string, id uint64) (digest.SessionInfo, int, error) {
	return c.sched.CancelSession(ctx, a, list, id)
}
func (c webCore) Registrations(ctx context.Context, a listserv.Actor, list string, id uint64) (digest.Registrations, error) {
	return c.sched.Registrations(ctx, a, list, id)
}
func (c webCore) ExportRegistrations(ctx context.Context, a listserv.Actor, list string, id uint64) ([]byte, error) {
	return c.sched.ExportRegistrations(ctx, a, list, id)
}
func (c webCore) ConsolePairs(ctx context.Context, a listserv.Actor, list string) (store.Pairing, []string, error) {
	return c.sched.ConsolePairs(ctx, a, list)
}
func (c webCore) MakePairs(ctx context.Context, a listserv.Actor, list string) (store.Pairing, int, error) {
	return c.sched.MakePairs(ctx, a, list)
}
func (c webCore) SetPairs(ctx context.Context, a listserv.Actor, list string, groups [][]string) (store.Pairing, error) {
	return c.sched.SetPairs(ctx, a, list, groups)
}
