package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/commitment"
	"github.com/shishi-health/shishi/conference"
	"github.com/shishi-health/shishi/lecture"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
)

// set2025 returns the 2025 commitments file.
func set2025(t *testing.T) *commitment.Set {
	t.Helper()
	sets, err := commitment.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	s, err := commitment.Find(sets, "2025")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// auditActions lists the actions of the trail's entries on objects with
// prefix, newest first.
func auditActions(t *testing.T, st *store.Store, prefix string) string {
	t.Helper()
	entries, _, err := st.AuditEntries(context.Background(), store.AuditQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Object, prefix) {
			out = append(out, e.Action.String())
		}
	}
	return strings.Join(out, ",")
}

func TestConferences(t *testing.T) {
	set := set2025(t)
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := audit.Entry{Actor: "u1", ActorRole: "reporter"}
		w0, err := st.WriteCount(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// 小雪 2025 (11-22) planned, then held on 11-21 and recorded on
		// 11-24; 冬至 planned only.
		plan := []conference.Conference{
			{Year: 2025, Term: 22, Date: "2025-11-21", Time: "15:00", Theme: "小雪防寒", Status: conference.Planned,
				Experts: []conference.Expert{{Field: "tcm", Name: "张三", Affiliation: "某中医院, 主任医师"}}},
			{Year: 2025, Term: 24, Date: "2025-12-19", Time: "15:00", Theme: "冬至养生", Status: conference.Planned},
		}
		if _, err := st.PutConferences(ctx, plan, "2025-11-01", e); err != nil {
			t.Fatal(err)
		}
		held := plan[0]
		held.Status, held.HeldOn, held.Reach, held.RecordingURL = conference.Held, "2025-11-21", 1200, "https://example.org/v"
		got, err := st.PutConferences(ctx, []conference.Conference{held}, "2025-11-24", e)
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Revision != 1 || got[0].RecordedOn != "2025-11-24" {
			t.Errorf("held: revision %d, recorded %s; want 1, 2025-11-24", got[0].Revision, got[0].RecordedOn)
		}
		// A later correction keeps the day it was first recorded.
		held.Reach = 1500
		if got, err = st.PutConferences(ctx, []conference.Conference{held}, "2025-12-02", e); err != nil || got[0].RecordedOn != "2025-11-24" {
			t.Fatalf("correction: %+v, %v", got, err)
		}
		cs, err := st.Conferences(ctx, 2025)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 2 || cs[0].Term != 22 || cs[0].Reach != 1500 || cs[0].Revision != 2 || len(cs[0].Experts) != 1 ||
			cs[0].Experts[0].Affiliation != "某中医院, 主任医师" || cs[1].Experts == nil && len(cs[1].Experts) != 0 {
			t.Errorf("conferences: %+v", cs)
		}
		// The engine counts it from the day it was recorded, within the
		// set's year.
		for _, tc := range []struct {
			asOf string
			want float64
		}{{"2025-11-23", 0}, {"2025-11-24", 1}, {"2025-12-31", 1}} {
			f, err := st.CommitmentFacts(ctx, set, tc.asOf)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Figures["press_conferences"]["000000"]; got != tc.want {
				t.Errorf("press_conferences as of %s = %v, want %v", tc.asOf, got, tc.want)
			}
		}
		if err := st.DeleteConference(ctx, 2025, 24, e); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Conference(ctx, 2025, 24); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted conference: %v", err)
		}
		if err := st.DeleteConference(ctx, 2025, 24, e); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
		if got := auditActions(t, st, "conferences/"); got != "purge,update,update,create,create" {
			t.Errorf("audit actions %s", got)
		}
		if w, _ := st.WriteCount(ctx); w != w0+4 {
			t.Errorf("write count %d, want %d", w, w0+4)
		}
	})
}

func TestLectures(t *testing.T) {
	set := set2025(t)
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := audit.Entry{Actor: "u1", ActorRole: "reporter"}
		team := func(region, held, recorded string) lecture.Lecture {
			return lecture.Lecture{HeldOn: held, Kind: lecture.Team, Region: region, Lecturer: "专家巡讲团", Level: "prefecture",
				Venue: "school", Topic: "情绪管理", Audience: 120, RecordedOn: recorded}
		}
		hosp := lecture.Lecture{HeldOn: "2025-06-02", Kind: lecture.Hospital, Region: "410102", Facility: "H001", Lecturer: "某精神卫生中心",
			Level: "prefecture", Venue: "community", Topic: "睡眠", Audience: 80, RecordedOn: "2025-06-03"}
		added, err := st.AddLectures(ctx, []lecture.Lecture{
			team("410100", "2025-03-01", "2025-03-02"),
			team("410100", "2025-12-30", "2026-01-02"), // held in 2025, entered in 2026
			team("420100", "2025-05-01", "2025-05-01"),
			team("410000", "2024-12-30", "2025-01-02"), // before the year
			hosp,
		}, e)
		if err != nil {
			t.Fatal(err)
		}
		if added[0].ID == 0 || added[4].ID != added[0].ID+4 {
			t.Errorf("ids %d … %d", added[0].ID, added[4].ID)
		}
		// Henan's lectures, newest first; Hubei's are not among them.
		got, n, err := st.Lectures(ctx, store.LectureQuery{Region: "410000", Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if n != 4 || len(got) != 2 || got[0].HeldOn != "2025-12-30" || got[1].HeldOn != "2025-06-02" {
			t.Errorf("Henan: %d, %+v", n, got)
		}
		if _, n, _ := st.Lectures(ctx, store.LectureQuery{Kind: lecture.Hospital, Facility: "H001"}); n != 1 {
			t.Errorf("hospital H001: %d lectures", n)
		}
		counts, err := st.LectureCounts(ctx, "", "2025-01-01", "2025-12-31")
		if err != nil {
			t.Fatal(err)
		}
		if counts["team:410100"] != 2 || counts["team:420100"] != 1 || counts["hospital:H001"] != 1 || counts["team:410000"] != 0 {
			t.Errorf("counts %v", counts)
		}
		tot, err := st.LectureTotals(ctx, store.LectureQuery{Region: "410000"})
		if err != nil {
			t.Fatal(err)
		}
		if all, teams, schools := tot[[2]string{}], tot[[2]string{"kind", "team"}], tot[[2]string{"venue", "school"}]; all.Lectures != 4 ||
			all.Audience != 3*120+80 || teams.Lectures != 3 || schools.Lectures != 3 || tot[[2]string{"venue", "community"}].Audience != 80 {
			t.Errorf("Henan's totals %v", tot)
		}
		// The engine counts a lecture from the day it was entered.
		for _, tc := range []struct {
			asOf               string
			zhengzhou, country float64
		}{{"2025-03-01", 0, 0}, {"2025-12-31", 1, 3}, {"2026-01-02", 2, 4}} {
			f, err := st.CommitmentFacts(ctx, set, tc.asOf)
			if err != nil {
				t.Fatal(err)
			}
			var sum float64
			for _, v := range f.Figures["lectures"] {
				sum += v
			}
			if f.Figures["lectures"]["410100"] != tc.zhengzhou || sum != tc.country {
				t.Errorf("lectures as of %s: 410100 %v, all %v; want %v, %v", tc.asOf, f.Figures["lectures"]["410100"], sum, tc.zhengzhou, tc.country)
			}
		}
		// An edit keeps the day entered; a deletion leaves an audit entry.
		l := added[2]
		l.Audience, l.RecordedOn = 300, "2030-01-01"
		if l, err = st.UpdateLecture(ctx, l, e); err != nil || l.RecordedOn != "2025-05-01" {
			t.Fatalf("update: %+v, %v", l, err)
		}
		if back, err := st.Lecture(ctx, l.ID); err != nil || back.Audience != 300 {
			t.Errorf("read back %+v, %v", back, err)
		}
		if err := st.DeleteLecture(ctx, l.ID, e); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Lecture(ctx, l.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted lecture: %v", err)
		}
		if got := auditActions(t, st, "lectures/"); got != "purge,update,create,create,create,create,create" {
			t.Errorf("audit actions %s", got)
		}
	})
}
