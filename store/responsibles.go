package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/commitment"
)

// PutResponsible stores who answers for a commitment in a region, with the
// contact's phone already sealed by the caller (phoneSealed, "" for none)
// and its masked form, and appends the change to the audit trail in the
// same transaction. The trail holds the masked phone only.
func (s *Store) PutResponsible(ctx context.Context, r commitment.Responsible, phoneSealed string, e audit.Entry) error {
	r.UpdatedAt = time.Now().UTC().Format(time.RFC3339)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := responsible(ctx, tx, s, r.Set, r.Commitment, r.Region)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO responsibles (set_id, commitment, region, leader, department,
			contact, phone_sealed, phone_masked, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (set_id, commitment, region) DO UPDATE SET leader = excluded.leader, department = excluded.department,
			contact = excluded.contact, phone_sealed = excluded.phone_sealed, phone_masked = excluded.phone_masked,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
			r.Set, r.Commitment, r.Region, strings.TrimSpace(r.Leader), strings.TrimSpace(r.Department),
			strings.TrimSpace(r.Contact), phoneSealed, r.PhoneMasked, r.UpdatedAt, r.UpdatedBy)
		if err != nil {
			return err
		}
		e.Action = audit.Update
		if before.Region == "" {
			e.Action = audit.Create
		} else {
			e.Before = responsibleJSON(before)
		}
		e.Object = "responsibles/" + r.Set + "/" + r.Commitment + "/" + r.Region
		e.Region = r.Region
		e.After = responsibleJSON(r)
		_, err = s.appendAudit(ctx, tx, e)
		return err
	})
	if err != nil {
		return fmt.Errorf("put responsible %s/%s in %s: %w", r.Set, r.Commitment, r.Region, err)
	}
	return nil
}

// responsibleJSON is what the audit trail records of an entry: no phone
// number in full.
func responsibleJSON(r commitment.Responsible) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"leader": r.Leader, "department": r.Department, "contact": r.Contact, "phone": r.PhoneMasked})
	return b
}

func responsible(ctx context.Context, q dbtx, s *Store, set, c, region string) (commitment.Responsible, error) {
	var r commitment.Responsible
	err := q.QueryRowContext(ctx, s.rebind(`SELECT set_id, commitment, region, leader, department, contact, phone_masked,
		updated_at, updated_by FROM responsibles WHERE set_id = ? AND commitment = ? AND region = ?`), set, c, region).
		Scan(&r.Set, &r.Commitment, &r.Region, &r.Leader, &r.Department, &r.Contact, &r.PhoneMasked, &r.UpdatedAt, &r.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// Responsibles returns the entries of a set for the given regions, keyed
// by commitment id and region code, with the phone masked. sealed, when
// not nil, receives the sealed phone of each entry under the same keys, for
// a caller allowed to show it in full.
func (s *Store) Responsibles(ctx context.Context, set string, regions []string, sealed map[[2]string]string) (map[[2]string]commitment.Responsible, error) {
	out := map[[2]string]commitment.Responsible{}
	for start := 0; start < len(regions); start += 500 {
		part := regions[start:min(start+500, len(regions))]
		args := []any{set}
		for _, r := range part {
			args = append(args, r)
		}
		q := `SELECT set_id, commitment, region, leader, department, contact, phone_masked, phone_sealed, updated_at, updated_by
			FROM responsibles WHERE set_id = ? AND region IN (?` + strings.Repeat(", ?", len(part)-1) + `)`
		rows, err := s.read.QueryContext(ctx, s.rebind(q), args...)
		if err != nil {
			return nil, fmt.Errorf("responsibles of %s: %w", set, err)
		}
		for rows.Next() {
			var r commitment.Responsible
			var seal string
			if err := rows.Scan(&r.Set, &r.Commitment, &r.Region, &r.Leader, &r.Department, &r.Contact, &r.PhoneMasked, &seal, &r.UpdatedAt, &r.UpdatedBy); err != nil {
				rows.Close()
				return nil, fmt.Errorf("responsibles of %s: %w", set, err)
			}
			k := [2]string{r.Commitment, r.Region}
			out[k] = r
			if sealed != nil && seal != "" {
				sealed[k] = seal
			}
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
