package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/commitment"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
)

func TestResponsibles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		r := commitment.Responsible{Set: "2025", Commitment: "dialysis", Region: "410122", Leader: "张三", Department: "医政科",
			Contact: "李四", PhoneMasked: "138****5678", UpdatedBy: "u1"}
		e := audit.Entry{Actor: "u1", ActorRole: "reporter"}
		if err := st.PutResponsible(ctx, r, "v1:sealed", e); err != nil {
			t.Fatal(err)
		}
		r.Leader = "王五"
		if err := st.PutResponsible(ctx, r, "v1:sealed2", e); err != nil {
			t.Fatal(err)
		}
		sealed := map[[2]string]string{}
		got, err := st.Responsibles(ctx, "2025", []string{"410122", "410100"}, sealed)
		if err != nil {
			t.Fatal(err)
		}
		k := [2]string{"dialysis", "410122"}
		if len(got) != 1 || got[k].Leader != "王五" || got[k].PhoneMasked != "138****5678" || sealed[k] != "v1:sealed2" {
			t.Errorf("responsibles: %+v sealed %v", got, sealed)
		}
		entries, _, err := st.AuditEntries(ctx, store.AuditQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			if strings.HasPrefix(e.Object, "responsibles/") {
				actions = append(actions, e.Action.String())
				if strings.Contains(string(e.After), "sealed") || !strings.Contains(string(e.After), "138****5678") {
					t.Errorf("audit after %s", e.After)
				}
			}
		}
		if strings.Join(actions, ",") != "update,create" { // newest first
			t.Errorf("audit actions %v, want update,create", actions)
		}
	})
}
