// Package personal holds the personal data of patients and blood donors and
// the rules that keep it protected: resident identity numbers (公民身份号码)
// are checked before they are accepted, and neither they nor phone numbers nor
// names are ever shown or logged in full.
//
// The package is pure Go: it imports neither net/http nor database/sql, and
// nothing outside the standard library. The store calls it to turn values into
// what it keeps (a keyed hash, a sealed string); the web layer calls it to
// parse input and to show masked values.
//
// # Identity numbers
//
// ParseIDNumber checks an 18-character number by GB 11643-1999: province code,
// real birth date not after today, ISO 7064 MOD 11-2 check character. Two
// decisions the standard leaves to us:
//
//   - 15-digit numbers of the first generation (issued before 1999, expired
//     since 2013) are rejected with ReasonLegacy15, not converted. Converting
//     (insert "19", compute the check character) yields a number the person
//     may never have been issued, and a wrong number attached to a claim is
//     worse than asking for the current card.
//   - Birth years before 1800 are rejected as typos (ReasonBirthDate): nobody
//     alive was born then, and it keeps year 0000 and its proleptic calendar
//     out of the data.
//
// An IDNumber prints masked (110101********0014) with every fmt verb and in
// slog; the digits come out only through Full, so that every use of the full
// number is visible in code review. It holds its digits behind a pointer, so
// even a struct printed by reflection (%v of a struct with an unexported
// IDNumber field) shows an address rather than the number, and it cannot be
// compared with ==: use Equal.
//
// # Keys: SHISHI_DATA_KEYS
//
// One key ring serves two purposes: keyed hashes of identity numbers (Hasher),
// so that the store can find a person without holding the number in clear, and
// AES-256-GCM encryption of contact data at rest (KeyRing.Seal), so that a
// copy of the database does not give away phone numbers and addresses. Each
// purpose uses its own subkey, derived from the configured key with HKDF, so
// the same secret is never used by two algorithms.
//
// The product reads the ring from the environment variable SHISHI_DATA_KEYS
// (EnvDataKeys), in the form
//
//	k2:base64key,k1:base64key
//
// with 32-byte keys in standard or URL-safe base64 (padding optional). The
// first key is the current one: new values are sealed and hashed with it. The
// others are kept only to read and find what was written before. A key id
// names the key inside every stored value, so an id must never be reused for
// a different key. GenerateKey makes a new entry; so does
// "echo k3:$(head -c 32 /dev/urandom | base64)".
//
// # Rotating a key
//
//  1. Generate a new key with a new id and put it in front of SHISHI_DATA_KEYS,
//     keeping the old ones behind it: "k3:new,k2:old". Restart. New rows are
//     sealed and hashed with k3; old rows stay readable, because a sealed value
//     names its key. With several instances, first add the new key at the end
//     of the ring everywhere and restart, then move it to the front and restart
//     again, so no instance ever meets a key it does not hold.
//  2. Re-seal every value for which KeyRing.NeedsRotation reports true (Open,
//     then Seal with the same associated data), and re-hash every hash for
//     which Hasher.NeedsRotation reports true. A hash cannot be recomputed from
//     itself: the store keeps the identity number sealed beside its hash, opens
//     it and hashes it again. Until this is done, look people up with
//     Hasher.Hashes, which gives the hash under every key of the ring.
//  3. When no row needs rotation any more, drop the old key from
//     SHISHI_DATA_KEYS and restart.
//
// Random 96-bit nonces keep AES-GCM safe for about 2^32 seals per key; a
// yearly rotation stays far below that.
package personal
