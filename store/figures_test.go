package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/figure"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
)

var figTree = func() *region.Tree {
	t, err := region.Load()
	if err != nil {
		panic(err)
	}
	return t
}()

func figPeriod(t testing.TB, s string) figure.Period {
	t.Helper()
	p, err := figure.ParsePeriod(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// figClock hands out times a minute apart from 2025-04-02 09:00 in China,
// so that every step has its own time and dates are known.
type figClock struct{ t time.Time }

func newFigClock() *figClock {
	return &figClock{time.Date(2025, 4, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))}
}

func (c *figClock) actor(user, role, unit string) store.FigureActor {
	c.t = c.t.Add(time.Minute)
	return store.FigureActor{UserID: user, Role: role, Region: unit, RequestID: "req-" + user, At: c.t}
}

func mustSave(t testing.TB, s *store.Store, e store.FigureEntry, by store.FigureActor) (figure.Submission, store.FigureChange) {
	t.Helper()
	sub, ch, err := s.SaveFigures(context.Background(), figTree, e, by)
	if err != nil {
		t.Fatalf("save %s %s: %v", e.Region, e.Period, err)
	}
	return sub, ch
}

// TestFiguresApprovalFlow is the must-show: a county submits, the
// prefecture returns, the county corrects, the prefecture and the province
// approve; nothing is lost and the history shows each step, in the
// versions, the events and the audit trail.
func TestFiguresApprovalFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := newFigClock()
		mar := figPeriod(t, "2025-03")
		county, pref, prov := "410122", "410100", "410000"
		first := map[string]float64{"referrals": 1200, "deposit_refund_yuan": 52000.5, "deposit_refund_accounts": 31}
		fixed := map[string]float64{"referrals": 120, "deposit_refund_yuan": 52000.5, "deposit_refund_accounts": 31}

		sub, ch := mustSave(t, s, store.FigureEntry{Region: county, Period: mar, Values: first, Submit: true}, clock.actor("rep", "reporter", county))
		if ch != store.FigureNew || sub.Version != 1 || sub.Status != figure.Submitted || sub.Awaiting() != pref {
			t.Fatalf("submitted: %v %+v awaiting %s", ch, sub, sub.Awaiting())
		}
		// The province's turn has not come; the county cannot change it
		// while it is under review.
		if _, err := s.ApproveFigures(ctx, store.FigureKey{Region: county, Period: mar}, clock.actor("prov", "approver", prov)); !errors.Is(err, figure.ErrNotYourStep) {
			t.Errorf("province before prefecture: %v", err)
		}
		if _, _, err := s.SaveFigures(ctx, figTree, store.FigureEntry{Region: county, Period: mar, Values: fixed, Submit: true}, clock.actor("rep", "reporter", county)); !errors.Is(err, figure.ErrUnderReview) {
			t.Errorf("edit under review: %v", err)
		}
		if _, err := s.ReturnFigures(ctx, store.FigureKey{Region: county, Period: mar}, " ", clock.actor("pref", "approver", pref)); !errors.Is(err, figure.ErrNoReason) {
			t.Errorf("return without a reason: %v", err)
		}
		sub, err := s.ReturnFigures(ctx, store.FigureKey{Region: county, Period: mar, Version: 1, Seq: sub.Seq}, "转诊人次多填一个0", clock.actor("pref", "approver", pref))
		if err != nil || sub.Status != figure.Returned || sub.Reason != "转诊人次多填一个0" {
			t.Fatalf("return: %v %+v", err, sub)
		}
		sub, ch = mustSave(t, s, store.FigureEntry{Region: county, Period: mar, Values: fixed, Submit: true}, clock.actor("rep", "reporter", county))
		if ch != store.FigureChanged || sub.Version != 1 || sub.Status != figure.Submitted {
			t.Fatalf("resubmitted: %v %+v", ch, sub)
		}
		// A page showing the returned state is stale now.
		if _, err := s.ApproveFigures(ctx, store.FigureKey{Region: county, Period: mar, Version: 1, Seq: 2}, clock.actor("pref", "approver", pref)); !errors.Is(err, store.ErrFigureStale) {
			t.Errorf("approval of a stale page: %v", err)
		}
		if sub, err = s.ApproveFigures(ctx, store.FigureKey{Region: county, Period: mar, Version: 1, Seq: sub.Seq}, clock.actor("pref", "approver", pref)); err != nil || sub.Status != figure.ApprovedByPrefecture || sub.Awaiting() != prov {
			t.Fatalf("prefecture approves: %v %+v", err, sub)
		}
		// Not in effect before the province approves.
		if tot, _ := s.ApprovedFigureTotals(ctx, nil, "2025-03", "2025-03", ""); len(tot) != 0 {
			t.Errorf("totals before the final approval: %v", tot)
		}
		if _, err := s.ApproveFigures(ctx, store.FigureKey{Region: county, Period: mar}, clock.actor("pref", "approver", pref)); !errors.Is(err, figure.ErrNotYourStep) {
			t.Errorf("prefecture approves twice: %v", err)
		}
		if sub, err = s.ApproveFigures(ctx, store.FigureKey{Region: county, Period: mar}, clock.actor("prov", "approver", prov)); err != nil || sub.Status != figure.Approved {
			t.Fatalf("province approves: %v %+v", err, sub)
		}
		if _, err := s.ApproveFigures(ctx, store.FigureKey{Region: county, Period: mar}, clock.actor("prov", "approver", prov)); !errors.Is(err, figure.ErrLocked) {
			t.Errorf("approve twice: %v", err)
		}
		if _, err := s.ReturnFigures(ctx, store.FigureKey{Region: county, Period: mar}, "太晚了", clock.actor("prov", "approver", prov)); !errors.Is(err, figure.ErrLocked) {
			t.Errorf("return an approved version: %v", err)
		}

		h, err := s.FigureHistory(ctx, county, mar)
		if err != nil || len(h) != 1 {
			t.Fatalf("history: %v %d versions", err, len(h))
		}
		var steps []string
		for _, ev := range h[0].Events {
			steps = append(steps, fmt.Sprintf("%d %s %s→%s %s %s %s", ev.Seq, ev.Step, ev.From, ev.To, ev.Actor, ev.ActorRegion, ev.Reason))
		}
		want := []string{
			"1 submit none→submitted rep 410122 ",
			"2 return submitted→returned pref 410100 转诊人次多填一个0",
			"3 submit returned→submitted rep 410122 ",
			"4 approve submitted→approved_by_prefecture pref 410100 ",
			"5 approve approved_by_prefecture→approved prov 410000 ",
		}
		if !slices.Equal(steps, want) {
			t.Errorf("history:\n%s\nwant\n%s", strings.Join(steps, "\n"), strings.Join(want, "\n"))
		}
		// Nothing lost: the values first submitted are in the first
		// event, the corrected ones in the version and the third event.
		if ev := h[0].Events; !maps.Equal(ev[0].Values, first) || !maps.Equal(ev[2].Values, fixed) || ev[1].Values != nil {
			t.Errorf("event values %v / %v / %v", ev[0].Values, ev[1].Values, ev[2].Values)
		}
		if !maps.Equal(h[0].Values, fixed) || h[0].Approved.IsZero() {
			t.Errorf("version values %v approved %v", h[0].Values, h[0].Approved)
		}
		tot, err := s.ApprovedFigureTotals(ctx, []string{"referrals", "deposit_refund_yuan"}, "2025-01", "2025-12", "")
		if err != nil || tot[county]["referrals"] != 120 || tot[county]["deposit_refund_yuan"] != 52000.5 || len(tot[county]) != 2 {
			t.Errorf("totals %v %v", tot, err)
		}
		entries, _, err := s.AuditEntries(ctx, store.AuditQuery{Object: "figures/410122/2025-03"})
		if err != nil || len(entries) != 5 {
			t.Fatalf("audit: %v %d entries", err, len(entries))
		}
		slices.Reverse(entries)
		if e := entries[0]; e.Action != audit.Create || e.Actor != "rep" || e.ActorRole != "reporter" || e.Region != county || e.RequestID != "req-rep" || e.Before != nil {
			t.Errorf("first audit entry %+v", e)
		}
		var before, after map[string]any
		json.Unmarshal(entries[1].Before, &before)
		json.Unmarshal(entries[1].After, &after)
		if entries[1].Action != audit.Update || before["status"] != "submitted" || after["status"] != "returned" || after["reason"] != "转诊人次多填一个0" {
			t.Errorf("return's audit entry %s → %s", entries[1].Before, entries[1].After)
		}
		if problems, err := s.VerifyFigures(ctx); err != nil || problems != nil {
			t.Errorf("verify: %v %v", err, problems)
		}
	})
}

// TestFiguresCorrection checks that an approved version is locked and a
// correction is a new version, in effect only once approved, with the
// old one kept.
func TestFiguresCorrection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := newFigClock()
		q1 := figPeriod(t, "2025-Q1")
		pref, prov := "410100", "410000"
		v1 := map[string]float64{"recognition_items": 180, "affordable_slots_new": 300}
		sub, _ := mustSave(t, s, store.FigureEntry{Region: pref, Period: q1, Values: v1, Submit: true}, clock.actor("rep", "reporter", pref))
		if sub.Chain[0] != prov || len(sub.Chain) != 1 {
			t.Fatalf("chain of a prefecture: %v", sub.Chain)
		}
		if _, err := s.ApproveFigures(ctx, store.FigureKey{Region: pref, Period: q1}, clock.actor("prov", "approver", prov)); err != nil {
			t.Fatal(err)
		}
		approvedV1 := clock.t.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")

		// The same values again change nothing (an upload repeated).
		if again, ch := mustSave(t, s, store.FigureEntry{Region: pref, Period: q1, Values: v1, Submit: true}, clock.actor("rep", "reporter", pref)); ch != store.FigureUnchanged || again.Version != 1 {
			t.Errorf("repeat of approved values: %v v%d", ch, again.Version)
		}
		// A correction is version 2, a draft first, then submitted.
		v2 := map[string]float64{"recognition_items": 210, "affordable_slots_new": 300}
		sub, ch := mustSave(t, s, store.FigureEntry{Region: pref, Period: q1, Values: v2}, clock.actor("rep", "reporter", pref))
		if ch != store.FigureNew || sub.Version != 2 || sub.Status != figure.Draft {
			t.Fatalf("correction: %v %+v", ch, sub)
		}
		// An approval aimed at version 1 is refused: it is not the one
		// pending (and is locked anyway).
		if _, err := s.ApproveFigures(ctx, store.FigureKey{Region: pref, Period: q1, Version: 1}, clock.actor("prov", "approver", prov)); !errors.Is(err, store.ErrFigureStale) {
			t.Errorf("approval of the old version: %v", err)
		}
		if _, err := s.ApproveFigures(ctx, store.FigureKey{Region: pref, Period: q1}, clock.actor("prov", "approver", prov)); !errors.Is(err, figure.ErrNotPending) {
			t.Errorf("approval of a draft: %v", err)
		}
		mustSave(t, s, store.FigureEntry{Region: pref, Period: q1, Values: v2, Submit: true}, clock.actor("rep", "reporter", pref))
		tot, _ := s.ApprovedFigureTotals(ctx, nil, "2025-Q1", "2025-Q1", "")
		if tot[pref]["recognition_items"] != 180 {
			t.Errorf("while the correction awaits approval, totals %v, want version 1's", tot)
		}
		clock.t = clock.t.Add(24 * time.Hour) // approved the next day
		if _, err := s.ApproveFigures(ctx, store.FigureKey{Region: pref, Period: q1, Version: 2}, clock.actor("prov", "approver", prov)); err != nil {
			t.Fatal(err)
		}
		tot, _ = s.ApprovedFigureTotals(ctx, []string{"recognition_items"}, "2025-01-01", "2025-03-31", "")
		if tot[pref]["recognition_items"] != 210 || len(tot[pref]) != 1 {
			t.Errorf("after the correction's approval, totals %v", tot)
		}
		tot, _ = s.ApprovedFigureTotals(ctx, nil, "2025-Q1", "2025-Q1", approvedV1)
		if tot[pref]["recognition_items"] != 180 {
			t.Errorf("as of %s, totals %v, want version 1's", approvedV1, tot)
		}
		h, err := s.FigureHistory(ctx, pref, q1)
		if err != nil || len(h) != 2 || h[0].Status != figure.Approved || h[0].Values["recognition_items"] != 180 {
			t.Fatalf("history keeps version 1: %v %+v", err, h)
		}
		if v, ok := store.InEffect(h); !ok || v.Version != 2 {
			t.Errorf("in effect: %+v", v)
		}
		if problems, _ := s.VerifyFigures(ctx); problems != nil {
			t.Error(problems)
		}
	})
}

// TestFiguresOutOfScope: approvers of units beside or above the one whose
// turn it is are refused, and nothing changes.
func TestFiguresOutOfScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := newFigClock()
		mar := figPeriod(t, "2025-03")
		mustSave(t, s, store.FigureEntry{Region: "410122", Period: mar, Values: map[string]float64{"referrals": 3}, Submit: true}, clock.actor("rep", "reporter", "410122"))
		for _, unit := range []string{"420100", "410000", "000000", "410122", ""} {
			if _, err := s.ApproveFigures(ctx, store.FigureKey{Region: "410122", Period: mar}, clock.actor("x", "approver", unit)); !errors.Is(err, figure.ErrNotYourStep) {
				t.Errorf("approval by %q: %v", unit, err)
			}
			if _, err := s.ReturnFigures(ctx, store.FigureKey{Region: "410122", Period: mar}, "no", clock.actor("x", "approver", unit)); !errors.Is(err, figure.ErrNotYourStep) {
				t.Errorf("return by %q: %v", unit, err)
			}
		}
		if _, err := s.ApproveFigures(ctx, store.FigureKey{Region: "410102", Period: mar}, clock.actor("x", "approver", "410100")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("approval of nothing: %v", err)
		}
		sub, err := s.FigureSubmission(ctx, "410122", mar, 0)
		if err != nil || sub.Status != figure.Submitted || sub.Seq != 1 {
			t.Errorf("after refusals: %v %+v", err, sub)
		}
	})
}

// TestFiguresBulkApprove approves a prefecture's queue and then a
// province's, across batches, and checks that a second run approves
// nothing and that what arrived after the approver looked is left.
func TestFiguresBulkApprove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := newFigClock()
		mar, apr := figPeriod(t, "2025-03"), figPeriod(t, "2025-04")
		counties := figTree.Under("410100", region.County)
		var entries []store.FigureEntry
		for i, c := range counties {
			for _, p := range []figure.Period{mar, apr} {
				entries = append(entries, store.FigureEntry{Region: c.Code, Period: p, Submit: true,
					Values: map[string]float64{"referrals": float64(10 + i), "deposit_refund_accounts": 1, "deposit_refund_yuan": 100}})
			}
		}
		// Henan's prefectures, every month of 2025: more than one batch
		// awaits the province.
		prefs := figTree.Under("410000", region.Prefecture)
		for m := 1; m <= 12; m++ {
			for _, p := range prefs {
				entries = append(entries, store.FigureEntry{Region: p.Code, Period: figure.Period{Span: figure.Month, Year: 2025, N: m}, Submit: true,
					Values: map[string]float64{"lectures": float64(m)}})
			}
		}
		if len(prefs)*12 <= 200 {
			t.Fatalf("only %d prefecture submissions: not more than a batch", len(prefs)*12)
		}
		out, err := s.SaveFiguresBatch(ctx, figTree, entries, clock.actor("rep", "reporter", "410000"), store.FigureBatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range out {
			if o.Err != nil || o.Change != store.FigureNew {
				t.Fatalf("entry %d: %v %v", i, o.Change, o.Err)
			}
		}
		pending, total, err := s.PendingFigures(ctx, "410100", mar, 0)
		if err != nil || total != len(counties) || len(pending) != total || pending[0].Values["referrals"] != 10 {
			t.Fatalf("Zhengzhou's March queue: %v %d of %d", err, len(pending), total)
		}
		looked := clock.t
		// One more March submission arrives after the approver looked:
		// Zhongmu's is returned and resubmitted.
		if _, err := s.ReturnFigures(ctx, store.FigureKey{Region: "410122", Period: mar}, "再核", clock.actor("pref", "approver", "410100")); err != nil {
			t.Fatal(err)
		}
		mustSave(t, s, store.FigureEntry{Region: "410122", Period: mar, Submit: true, Values: map[string]float64{"referrals": 11}}, clock.actor("rep", "reporter", "410122"))

		n, err := s.ApproveAllFigures(ctx, store.FigureBulk{Period: mar, Before: looked}, clock.actor("pref", "approver", "410100"))
		if err != nil || n != len(counties)-1 {
			t.Fatalf("Zhengzhou approves March: %d %v, want %d", n, err, len(counties)-1)
		}
		if n, err := s.ApproveAllFigures(ctx, store.FigureBulk{Period: mar, Before: looked}, clock.actor("pref", "approver", "410100")); n != 0 || err != nil {
			t.Errorf("second run: %d %v", n, err)
		}
		if _, total, _ := s.PendingFigures(ctx, "410100", mar, 0); total != 1 {
			t.Errorf("%d left in March, want Zhongmu's resubmission", total)
		}
		if _, total, _ := s.PendingFigures(ctx, "410100", apr, 0); total != len(counties) {
			t.Errorf("April queue touched: %d", total)
		}
		if counts, err := s.PendingFigurePeriods(ctx, "410100"); err != nil || len(counts) != 2 ||
			counts[0] != (store.PendingCount{Period: mar, Count: 1}) || counts[1] != (store.PendingCount{Period: apr, Count: len(counties)}) {
			t.Errorf("queue per period: %v %+v", err, counts)
		}
		// The province: the counties' March approved by Zhengzhou, and
		// every prefecture's months, in more than one batch.
		n, err = s.ApproveAllFigures(ctx, store.FigureBulk{}, clock.actor("prov", "approver", "410000"))
		if want := len(counties) - 1 + len(prefs)*12; err != nil || n != want {
			t.Fatalf("Henan approves all: %d %v, want %d", n, err, want)
		}
		tot, err := s.ApprovedFigureTotals(ctx, []string{"lectures", "referrals"}, "2025-01", "2025-12", "")
		if err != nil {
			t.Fatal(err)
		}
		rolled := figure.RollUp(figTree, tot)
		if got := rolled["410000"]["lectures"]; got != float64(78*len(prefs)) {
			t.Errorf("Henan's lectures %v, want %d", got, 78*len(prefs))
		}
		if _, ok := tot["410122"]; ok {
			t.Errorf("Zhongmu's figures count before approval: %v", tot["410122"])
		}
		if problems, _ := s.VerifyFigures(ctx); problems != nil {
			t.Error(problems)
		}
		entriesN, _, _ := s.AuditEntries(ctx, store.AuditQuery{Object: "figures/410102/2025-03"})
		if len(entriesN) != 3 { // submitted, approved by Zhengzhou, by Henan
			t.Errorf("%d audit entries of one bulk-approved submission, want 3", len(entriesN))
		}
	})
}

// TestFiguresBatchRefusals checks the all-or-nothing and partial saves.
func TestFiguresBatchRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := newFigClock()
		mar := figPeriod(t, "2025-03")
		mustSave(t, s, store.FigureEntry{Region: "410122", Period: mar, Submit: true, Values: map[string]float64{"referrals": 5}}, clock.actor("rep", "reporter", "410122"))
		entries := []store.FigureEntry{
			{Region: "410102", Period: mar, Submit: true, Values: map[string]float64{"referrals": 7}},
			{Region: "410122", Period: mar, Submit: true, Values: map[string]float64{"referrals": 6}}, // under review
		}
		out, err := s.SaveFiguresBatch(ctx, figTree, entries, clock.actor("rep", "reporter", "410100"), store.FigureBatchOptions{})
		if !errors.Is(err, store.ErrFiguresRefused) || !errors.Is(out[1].Err, figure.ErrUnderReview) {
			t.Fatalf("all or nothing: %v %v", err, out[1].Err)
		}
		if _, err := s.FigureSubmission(ctx, "410102", mar, 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a refused batch stored a row: %v", err)
		}
		out, err = s.SaveFiguresBatch(ctx, figTree, entries, clock.actor("rep", "reporter", "410100"), store.FigureBatchOptions{Partial: true})
		if err != nil || out[0].Change != store.FigureNew || out[1].Err == nil {
			t.Fatalf("partial: %v %+v", err, out)
		}
		if sub, err := s.FigureSubmission(ctx, "410122", mar, 0); err != nil || sub.Values["referrals"] != 5 {
			t.Errorf("the refused entry changed the version under review: %v %v", err, sub.Values)
		}
		// A draft saved twice with the same values is unchanged; an
		// unknown unit is refused.
		e := store.FigureEntry{Region: "410181", Period: mar, Values: map[string]float64{"referrals": 1}}
		mustSave(t, s, e, clock.actor("rep", "reporter", "410100"))
		if _, ch := mustSave(t, s, e, clock.actor("rep", "reporter", "410100")); ch != store.FigureUnchanged {
			t.Errorf("draft saved twice: %v", ch)
		}
		if _, _, err := s.SaveFigures(ctx, figTree, store.FigureEntry{Region: "999999", Period: mar, Values: e.Values}, clock.actor("rep", "reporter", "410100")); err == nil {
			t.Error("figures of an unknown unit stored")
		}
		// A dry run says what would happen and stores nothing.
		dry := []store.FigureEntry{{Region: "410183", Period: mar, Submit: true, Values: map[string]float64{"referrals": 2}}}
		out, err = s.SaveFiguresBatch(ctx, figTree, dry, clock.actor("rep", "reporter", "410100"), store.FigureBatchOptions{DryRun: true})
		if err != nil || out[0].Change != store.FigureNew {
			t.Errorf("dry run: %v %+v", err, out)
		}
		if _, err := s.FigureSubmission(ctx, "410183", mar, 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a dry run stored a row: %v", err)
		}
		// What the jump check compares with: reported versions only.
		rep, err := s.ReportedFigures(ctx, mar, []string{"410122", "410102", "410181", "410183"})
		if err != nil || len(rep) != 2 || rep["410122"]["referrals"] != 5 || rep["410102"]["referrals"] != 7 {
			t.Errorf("reported figures: %v %v", err, rep)
		}
	})
}

// TestFiguresMissingReports lists who has not reported, and who had not by
// the deadline.
func TestFiguresMissingReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.SyncRegions(ctx, figTree); err != nil {
			t.Fatal(err)
		}
		clock := newFigClock()
		mar := figPeriod(t, "2025-03")
		vals := map[string]float64{"deposit_refund_yuan": 10, "deposit_refund_accounts": 1}
		counties := figTree.Under("410100", region.County)
		var all []string
		for _, c := range counties {
			all = append(all, c.Code)
		}
		save := func(code string, submit bool, v map[string]float64) {
			mustSave(t, s, store.FigureEntry{Region: code, Period: mar, Values: v, Submit: submit}, clock.actor("rep", "reporter", code))
		}
		save(all[0], true, vals)                               // reported
		save(all[1], false, vals)                              // a draft is not a report
		save(all[2], true, map[string]float64{"referrals": 4}) // reported another kind only
		save(all[3], true, vals)                               // returned below
		deadline := clock.t.Add(30 * time.Second)
		save(all[4], true, vals) // late
		if _, err := s.ReturnFigures(ctx, store.FigureKey{Region: all[3], Period: mar}, "错", clock.actor("pref", "approver", "410100")); err != nil {
			t.Fatal(err)
		}
		got, err := s.MissingReports(ctx, "deposit_refund_yuan", mar, region.County, "410100", time.Time{})
		if want := slices.Concat(all[1:4], all[5:]); err != nil || !slices.Equal(got, want) {
			t.Errorf("missing now: %v %v\nwant %v", err, got, want)
		}
		got, _ = s.MissingReports(ctx, "deposit_refund_yuan", mar, region.County, "410100", deadline)
		if want := slices.Concat(all[1:4], all[4:]); !slices.Equal(got, want) {
			t.Errorf("missing by the deadline: %v\nwant %v", got, want)
		}
		// Guangdong's county-level reporters include Dongguan.
		gd, _ := s.MissingReports(ctx, "referrals", mar, region.County, "440000", time.Time{})
		if !slices.Contains(gd, "441900") || slices.Contains(gd, "440100") {
			t.Errorf("Guangdong's missing county reports: %d units, Dongguan %v", len(gd), slices.Contains(gd, "441900"))
		}
		if got, _ := s.MissingReports(ctx, "press_conferences", mar, region.Country, "000000", time.Time{}); !slices.Equal(got, []string{"000000"}) {
			t.Errorf("country missing: %v", got)
		}
		save("000000", true, map[string]float64{"press_conferences": 2})
		if got, _ := s.MissingReports(ctx, "press_conferences", mar, region.Country, "000000", time.Time{}); got != nil {
			t.Errorf("country reported: %v", got)
		}
		if got, _ := s.MissingReports(ctx, "press_conferences", mar, region.Country, "410000", time.Time{}); got != nil {
			t.Errorf("country missing within Henan: %v", got)
		}
		if got, _ := s.MissingReports(ctx, "lectures", mar, region.Province, "000000", time.Time{}); len(got) != 31 {
			t.Errorf("provinces missing: %d", len(got))
		}
	})
}

// TestFiguresTotalsRange: periods of every span within the range count,
// those reaching outside do not.
func TestFiguresTotalsRange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := newFigClock()
		unit := "410100"
		for _, c := range []struct {
			period string
			v      float64
		}{{"2025-01", 1}, {"2025-02", 2}, {"2025-12", 4}, {"2025-Q1", 10}, {"2025-Q4", 20}, {"2024-12", 100}} {
			p := figPeriod(t, c.period)
			kind := "lectures"
			if p.Span == figure.Quarter {
				kind = "affordable_slots_new"
			}
			mustSave(t, s, store.FigureEntry{Region: unit, Period: p, Submit: true, Values: map[string]float64{kind: c.v}}, clock.actor("rep", "reporter", unit))
			if _, err := s.ApproveFigures(ctx, store.FigureKey{Region: unit, Period: p}, clock.actor("prov", "approver", "410000")); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			from, to         string
			lectures, places float64
		}{
			{"2025-01", "2025-11", 3, 10},
			{"2025", "2025", 7, 30},
			{"2025-02-01", "2025-12-31", 6, 20},
			{"", "", 107, 30},
		} {
			tot, err := s.ApprovedFigureTotals(ctx, nil, c.from, c.to, "")
			if err != nil || tot[unit]["lectures"] != c.lectures || tot[unit]["affordable_slots_new"] != c.places {
				t.Errorf("%q..%q: %v %v", c.from, c.to, tot, err)
			}
		}
		if _, err := s.ApprovedFigureTotals(ctx, nil, "2025-13", "", ""); err == nil {
			t.Error("bad period accepted")
		}
		if tot, _ := s.ApprovedFigureTotals(ctx, nil, "", "", "2025-01-01"); len(tot) != 0 {
			t.Errorf("as of a date before any approval: %v", tot)
		}
		latest, err := s.LatestFigures(ctx, store.FigureQuery{Under: "410000", Period: figPeriod(t, "2025-Q1")})
		if err != nil || len(latest) != 1 || latest[0].Values["affordable_slots_new"] != 10 {
			t.Errorf("latest: %v %+v", err, latest)
		}
		if latest, _ := s.LatestFigures(ctx, store.FigureQuery{Regions: []string{"410122", unit}}); len(latest) != 6 {
			t.Errorf("latest of two units: %d", len(latest))
		}
		if latest, _ := s.LatestFigures(ctx, store.FigureQuery{Regions: []string{"410122"}}); len(latest) != 0 {
			t.Errorf("latest of a unit without figures: %d", len(latest))
		}
	})
}
