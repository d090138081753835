package accounts

import (
	"context"
	"encoding/hex"
	"errors"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/settings"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/storage/docdb"
	"github.com/outpostchat/outpost/storage/storetest"
)

// rfcKey is the SHA-1 seed of RFC 4226 Appendix D and RFC 6238 Appendix B.
var rfcKey = []byte("12345678901234567890")

func TestHOTPVectors(t *testing.T) {
	t.Parallel()
	// RFC 4226 Appendix D.
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := hotp(rfcKey, uint64(i), 6); got != w {
			t.Errorf("HOTP(%d) = %s, want %s", i, got, w)
		}
	}
}

func TestTOTPVectors(t *testing.T) {
	t.Parallel()
	// RFC 6238 Appendix B, the SHA-1 rows (8 digits, T0 = 0, X = 30).
	secret := totpEncoding.EncodeToString(rfcKey)
	if secret != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
		t.Fatalf("base32 of the seed = %s", secret)
	}
	for _, v := range []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		if got := hotp(rfcKey, uint64(v.unix/totpPeriod), 8); got != v.code {
			t.Errorf("TOTP8(%d) = %s, want %s", v.unix, got, v.code)
		}
		// The 6-digit code an authenticator app shows is the same number mod 10^6.
		got, err := TOTPCode(secret, time.Unix(v.unix, 0))
		if err != nil || got != v.code[2:] {
			t.Errorf("TOTPCode(%d) = %s, %v; want %s", v.unix, got, err, v.code[2:])
		}
	}
	// Lower case, spaces and padding in a typed-in secret are forgiven.
	if got, _ := TOTPCode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq====", time.Unix(59, 0)); got != "287082" {
		t.Errorf("TOTPCode of a loosely typed secret = %s", got)
	}
	if _, err := TOTPCode("not base32!", time.Now()); err == nil {
		t.Error("TOTPCode of a bad secret succeeded")
	}
}

func TestSecretAndURL(t *testing.T) {
	t.Parallel()
	s := newTOTPSecret()
	if key, err := decodeTOTPSecret(s); len(s) != 32 || err != nil || len(key) != 20 || strings.ContainsAny(s, "=") {
		t.Fatalf("secret %q: %d bytes, %v", s, len(key), err)
	}
	if s == newTOTPSecret() {
		t.Fatal("two secrets are equal")
	}
	got := otpauthURL("Camp & Co", "alice.b", "ABC")
	if want := "otpauth://totp/Camp%20%26%20Co:alice.b?secret=ABC&issuer=Camp%20%26%20Co"; got != want {
		t.Fatalf("url = %s\nwant  %s", got, want)
	}
	codes, hashed := newBackupCodes()
	if len(codes) != 12 || len(hashed) != 12 {
		t.Fatalf("%d codes, %d hashes", len(codes), len(hashed))
	}
	meteorID := regexp.MustCompile(`^[23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz]{8}$`)
	for i, c := range codes {
		if !meteorID.MatchString(c) {
			t.Errorf("backup code %q is not Random.id(8)", c)
		}
		if b, err := hex.DecodeString(hashed[i]); err != nil || len(b) != 32 || hashed[i] != hashBackupCode(c) {
			t.Errorf("hash %q of %q is not hex SHA-256", hashed[i], c)
		}
	}
}

// clock is a settable time for the service under test.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time            { return time.Unix(0, c.t.Load()) }
func (c *clock) set(t time.Time)           { c.t.Store(t.UnixNano()) }
func (c *clock) advance(d time.Duration)   { c.t.Add(int64(d)) }
func (c *clock) code(secret string) string { s, _ := TOTPCode(secret, c.now()); return s }

type totpEnv struct {
	svc    *Service
	users  *docdb.UsersStore
	cfg    *settings.Service
	clock  *clock
	events *streamhub.Subscription
	alice  model.User
}

func newTOTPEnv(t *testing.T) *totpEnv {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	hub := streamhub.New(nil)
	t.Cleanup(hub.Close)
	log := slog.New(slog.DiscardHandler)
	cfg := settings.New(docdb.NewSettingsStore(st.Docs), hub, log)
	defs := append(append(settings.Core("U"), Settings()...), TwoFactorSettings()...)
	if err := cfg.Register(ctx, defs...); err != nil {
		t.Fatal(err)
	}
	users := docdb.NewUsersStore(st.Docs)
	svc := New(users, st.Docs, cfg, log)
	svc.SetBcryptCost(bcrypt.MinCost)
	svc.SetEvents(hub)
	c := &clock{}
	c.set(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	svc.now = c.now // the limiter reads it too
	alice, err := svc.CreateUser(ctx, model.System, NewUser{Username: "alice", Email: "alice@example.com", Password: "pw", Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	e := &totpEnv{svc: svc, users: users, cfg: cfg, clock: c, alice: alice}
	e.events = hub.Subscribe(64, streamhub.TopicUsers, streamhub.TopicUserTokens)
	t.Cleanup(e.events.Close)
	return e
}

func (e *totpEnv) drain() []streamhub.Event {
	var out []streamhub.Event
	for {
		select {
		case ev := <-e.events.C():
			out = append(out, ev)
		default:
			return out
		}
	}
}

func (e *totpEnv) login(code string) (Session, error) {
	return e.svc.LoginWithPassword(context.Background(), Credentials{User: "alice", Password: "pw", Code: code, IP: "10.0.0.1"})
}

func (e *totpEnv) stored(t *testing.T) model.TOTPService {
	t.Helper()
	u, err := e.users.ByID(context.Background(), e.alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.Services.TOTP == nil {
		return model.TOTPService{}
	}
	return *u.Services.TOTP
}

// enable turns TOTP on for alice and returns the secret and backup codes; keep is the
// login token to keep ("" for none).
func (e *totpEnv) enable(t *testing.T, keep string) (string, []string) {
	t.Helper()
	ctx := context.Background()
	actor := ActorOf(e.alice)
	setup, err := e.svc.EnableTOTP(ctx, actor)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := e.svc.ValidateTOTP(ctx, actor, e.clock.code(setup.Secret), keep)
	if err != nil {
		t.Fatal(err)
	}
	return setup.Secret, codes
}

func errCode(err error) string {
	var me *model.Error
	if errors.As(err, &me) {
		return me.Code
	}
	if err == nil {
		return "<nil>"
	}
	return "not a model error: " + err.Error()
}

func TestTOTPEnableValidateDisable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newTOTPEnv(t)
	actor := ActorOf(e.alice)
	// Two sessions before 2FA: the one enabling it stays, the other ends.
	mine, err := e.login("")
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.login("")
	if err != nil {
		t.Fatal(err)
	}

	setup, err := e.svc.EnableTOTP(ctx, actor)
	if err != nil {
		t.Fatal(err)
	}
	if want := "otpauth://totp/Outpost:alice?secret=" + setup.Secret + "&issuer=Outpost"; setup.URL != want {
		t.Fatalf("url = %s, want %s", setup.URL, want)
	}
	if got := e.stored(t); !reflect.DeepEqual(got, model.TOTPService{TempSecret: setup.Secret}) {
		t.Fatalf("after enable: %+v", got)
	}
	// Not on yet: logins need no code.
	if _, err := e.login(""); err != nil {
		t.Fatalf("login before validation: %v", err)
	}
	// A wrong code, and a backup-looking one, are invalid-totp.
	for _, bad := range []string{"000000", "12345678", "", "abcdef"} {
		if bad == e.clock.code(setup.Secret) {
			continue
		}
		if _, err := e.svc.ValidateTOTP(ctx, actor, bad, mine.Token); errCode(err) != "invalid-totp" {
			t.Fatalf("validate %q: %v", bad, err)
		}
	}
	e.drain()
	codes, err := e.svc.ValidateTOTP(ctx, actor, e.clock.code(setup.Secret), mine.Token)
	if err != nil || len(codes) != 12 {
		t.Fatalf("validate: %v, %v", codes, err)
	}
	got := e.stored(t)
	if !got.Enabled || got.Secret != setup.Secret || got.TempSecret != "" || len(got.HashedBackup) != 12 || got.HashedBackup[0] != hashBackupCode(codes[0]) {
		t.Fatalf("after validation: %+v", got)
	}
	evs := e.drain()
	wantEvs := []streamhub.Event{
		streamhub.UserChanged{Action: "updated", ID: e.alice.ID, Username: "alice", Diff: map[string]any{"services.totp.enabled": true}},
		streamhub.UserTokensRevoked{UserID: e.alice.ID, Hashed: []string{hashToken(other.Token)}},
	}
	// The three logins of alice but mine: other, and the one before validation.
	if len(evs) != 2 || !reflect.DeepEqual(evs[0], wantEvs[0]) {
		t.Fatalf("events = %#v", evs)
	}
	if r, ok := evs[1].(streamhub.UserTokensRevoked); !ok || len(r.Hashed) != 2 || !strings.Contains(strings.Join(r.Hashed, " "), hashToken(other.Token)) {
		t.Fatalf("revoked = %#v", evs[1])
	}
	if _, err := e.svc.Resume(ctx, other.Token); err == nil {
		t.Fatal("another session survived enabling 2FA")
	}
	if _, err := e.svc.Resume(ctx, mine.Token); err != nil {
		t.Fatalf("the enabling session ended: %v", err)
	}
	if _, err := e.svc.EnableTOTP(ctx, actor); errCode(err) != "error-2fa-already-enabled" {
		t.Fatalf("enable twice: %v", err)
	}

	// Disabling needs a valid code.
	e.clock.advance(totpPeriod * time.Second)
	if ok, err := e.svc.DisableTOTP(ctx, actor, "000000"); ok || err != nil {
		t.Fatalf("disable with a wrong code: %v, %v", ok, err)
	}
	if ok, err := e.svc.DisableTOTP(ctx, actor, ""); ok || err != nil {
		t.Fatalf("disable without a code: %v, %v", ok, err)
	}
	if !e.stored(t).Enabled {
		t.Fatal("a wrong code disabled 2FA")
	}
	e.drain()
	if ok, err := e.svc.DisableTOTP(ctx, actor, e.clock.code(setup.Secret)); !ok || err != nil {
		t.Fatalf("disable: %v, %v", ok, err)
	}
	if got := e.stored(t); !reflect.DeepEqual(got, model.TOTPService{}) {
		t.Fatalf("after disable: %+v", got)
	}
	if evs := e.drain(); len(evs) != 1 || !reflect.DeepEqual(evs[0], streamhub.UserChanged{Action: "updated", ID: e.alice.ID, Username: "alice", Diff: map[string]any{"services.totp.enabled": false}}) {
		t.Fatalf("events = %#v", evs)
	}
	if _, err := e.login(""); err != nil {
		t.Fatalf("login after disable: %v", err)
	}
	if ok, err := e.svc.DisableTOTP(ctx, actor, "000000"); ok || err != nil {
		t.Fatalf("disable when off: %v, %v", ok, err)
	}
	if _, err := e.svc.TOTPCodesRemaining(ctx, actor); errCode(err) != "invalid-totp" {
		t.Fatalf("codes remaining when off: %v", err)
	}
	if _, err := e.svc.RegenerateTOTPCodes(ctx, actor, "000000"); errCode(err) != "invalid-totp" {
		t.Fatalf("regenerate when off: %v", err)
	}
	// Validation needs a pending secret.
	if _, err := e.svc.ValidateTOTP(ctx, actor, "000000", ""); errCode(err) != "invalid-totp" {
		t.Fatalf("validate without enable: %v", err)
	}
	// Nobody signed in.
	if _, err := e.svc.EnableTOTP(ctx, model.Anonymous); errCode(err) != "not-authorized" {
		t.Fatalf("anonymous enable: %v", err)
	}
}

func TestTOTPLogin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newTOTPEnv(t)
	secret, backup := e.enable(t, "")
	usedAtEnable := e.clock.code(secret)

	_, err := e.login("")
	var me *model.Error
	if !errors.As(err, &me) || me.Kind != model.KindUnauthorized || me.Code != "totp-required" || me.Message != "TOTP Required" ||
		!reflect.DeepEqual(me.Details, map[string]any{"method": "totp", "codeGenerated": false, "availableMethods": []string{"totp"}}) {
		t.Fatalf("login without a code: %#v", err)
	}
	_, err = e.login("000001")
	if !errors.As(err, &me) || me.Code != "totp-invalid" || me.Message != "TOTP Invalid" || me.Details["method"] != "totp" {
		t.Fatalf("login with a wrong code: %#v", err)
	}
	// A wrong password is still just a wrong password, whatever the code.
	if _, err := e.svc.LoginWithPassword(ctx, Credentials{User: "alice", Password: "nope", Code: e.clock.code(secret)}); errCode(err) != "401" {
		t.Fatalf("wrong password with a code: %v", err)
	}
	// The code that enabled 2FA was used up: the same step is refused.
	if _, err := e.login(usedAtEnable); errCode(err) != "totp-invalid" {
		t.Fatalf("replayed the enabling code: %v", err)
	}
	e.clock.advance(totpPeriod * time.Second)
	s, err := e.login(" " + e.clock.code(secret) + " ")
	if err != nil || s.Type != "password" {
		t.Fatalf("login with a valid code: %+v, %v", s, err)
	}
	if _, err := e.login(e.clock.code(secret)); errCode(err) != "totp-invalid" {
		t.Fatalf("replayed code: %v", err)
	}
	// Resume is never asked for a code.
	if r, err := e.svc.Resume(ctx, s.Token); err != nil || r.Type != "resume" {
		t.Fatalf("resume: %v", err)
	}
	// Backup codes work once each.
	if _, err := e.login(backup[3]); err != nil {
		t.Fatalf("backup code: %v", err)
	}
	if _, err := e.login(backup[3]); errCode(err) != "totp-invalid" {
		t.Fatalf("backup code reused: %v", err)
	}
	if n, err := e.svc.TOTPCodesRemaining(ctx, ActorOf(e.alice)); n != 11 || err != nil {
		t.Fatalf("codes remaining = %d, %v", n, err)
	}
	// Regenerating needs a valid code and voids the old backup codes.
	actor := ActorOf(e.alice)
	if codes, err := e.svc.RegenerateTOTPCodes(ctx, actor, "0000aaaa"); codes != nil || err != nil {
		t.Fatalf("regenerate with a wrong code: %v, %v", codes, err)
	}
	fresh, err := e.svc.RegenerateTOTPCodes(ctx, actor, backup[0])
	if err != nil || len(fresh) != 12 {
		t.Fatalf("regenerate: %v, %v", fresh, err)
	}
	if _, err := e.login(backup[1]); errCode(err) != "totp-invalid" {
		t.Fatalf("old backup code after regenerate: %v", err)
	}
	if _, err := e.login(fresh[0]); err != nil {
		t.Fatalf("new backup code: %v", err)
	}
	// The switches turn the check off.
	if err := e.cfg.Set(ctx, model.System, "Accounts_TwoFactorAuthentication_By_TOTP_Enabled", false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.login(""); err != nil {
		t.Fatalf("login with TOTP switched off: %v", err)
	}
}

func TestTOTPWindow(t *testing.T) {
	t.Parallel()
	e := newTOTPEnv(t)
	secret, _ := e.enable(t, "")
	at := func(d time.Duration) string { s, _ := TOTPCode(secret, e.clock.now().Add(d)); return s }
	e.clock.advance(10 * totpPeriod * time.Second)
	step := totpPeriod * time.Second
	if _, err := e.login(at(-2 * step)); errCode(err) != "totp-invalid" {
		t.Fatalf("code two steps old: %v", err)
	}
	if _, err := e.login(at(-step)); err != nil {
		t.Fatalf("code one step old: %v", err)
	}
	if _, err := e.login(at(2 * step)); errCode(err) != "totp-invalid" {
		t.Fatalf("code two steps ahead: %v", err)
	}
	if _, err := e.login(at(step)); err != nil {
		t.Fatalf("code one step ahead: %v", err)
	}
	// Steps before the last one used are spent too.
	if _, err := e.login(at(0)); errCode(err) != "totp-invalid" {
		t.Fatalf("code older than the last used: %v", err)
	}
	// A wider window.
	if err := e.cfg.Set(context.Background(), model.System, "Accounts_TwoFactorAuthentication_MaxDelta", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := e.login(at(3 * step)); err != nil {
		t.Fatalf("code three steps ahead with MaxDelta 3: %v", err)
	}
}

func TestTOTPFailuresBlockLogin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newTOTPEnv(t)
	if err := e.cfg.Set(ctx, model.System, "Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User", 3); err != nil {
		t.Fatal(err)
	}
	secret, backup := e.enable(t, "")
	e.clock.advance(totpPeriod * time.Second)
	for range 3 {
		if _, err := e.login("999999"); errCode(err) != "totp-invalid" && errCode(err) != "error-login-blocked-for-user" {
			t.Fatal(err)
		}
	}
	if _, err := e.login(e.clock.code(secret)); errCode(err) != "error-login-blocked-for-user" {
		t.Fatalf("right code after 3 wrong ones: %v", err)
	}
	// The methods taking a code are blocked too (429 rather than 401).
	_, err := e.svc.RegenerateTOTPCodes(ctx, ActorOf(e.alice), backup[0])
	var me *model.Error
	if !errors.As(err, &me) || me.Kind != model.KindTooMany || me.Code != "error-login-blocked-for-user" {
		t.Fatalf("regenerate while blocked: %#v", err)
	}
	e.clock.advance(6 * time.Minute)
	if _, err := e.login(e.clock.code(secret)); err != nil {
		t.Fatalf("after the block: %v", err)
	}
}

func TestTOTPCodesSingleUseUnderRace(t *testing.T) {
	t.Parallel()
	e := newTOTPEnv(t)
	secret, backup := e.enable(t, "")
	e.clock.advance(totpPeriod * time.Second)
	for _, c := range []string{backup[5], e.clock.code(secret)} {
		var (
			wg sync.WaitGroup
			ok atomic.Int32
		)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := e.login(c); err == nil {
					ok.Add(1)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 {
			t.Fatalf("code %s let %d logins in, want 1", c, ok.Load())
		}
	}
}
