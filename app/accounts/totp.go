package accounts

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// Two-factor authentication by authenticator app (TOTP), as Rocket.Chat does it. What
// was looked up in RocketChat/Rocket.Chat:
//
//   - apps/meteor/app/2fa/server/lib/totp.ts: secrets come from speakeasy.generateSecret
//     and are stored base32; codes are checked with speakeasy.totp.verifyDelta (SHA-1,
//     6 digits, 30 s steps) in a window of Accounts_TwoFactorAuthentication_MaxDelta
//     steps either side (default 1); an 8-character code is a backup code instead: 12 of
//     them, each Random.id(8) (Meteor's id alphabet), stored as SHA256(code) (Meteor's
//     sha package: lower-case hex, not the base64 login tokens use) in
//     services.totp.hashedBackup and removed from it once used. The otpauth:// label is
//     "Rocket.Chat:<username>" without an issuer (RC issue #17548 asks for the server's
//     name); ours is "<Site_Name>:<username>" with issuer=<Site_Name>, so two servers'
//     entries differ in the app.
//   - apps/meteor/app/2fa/server/functions/totp.ts and methods/{enable,validateTempToken,
//     disable,regenerateCodes,checkCodesRemaining}.ts: 2fa:enable refuses an enabled user
//     (error-2fa-already-enabled) and stores {enabled:false, tempSecret}, answering
//     {secret, url}; 2fa:validateTempToken checks a code of tempSecret (invalid-totp
//     otherwise), enables, stores new backup codes, answers {codes} and removes every
//     other non-PAT login token of the user when the call carries its own token;
//     2fa:disable answers false for a wrong code (or when not enabled) and true once
//     disabled ({enabled:false}); 2fa:regenerateCodes answers nothing for a wrong code and
//     {codes} otherwise; 2fa:checkCodesRemaining answers {remaining}. Enabling and
//     disabling announce services.totp.enabled on the user's userData stream. A recent
//     changeset adds REST twins (users.totp.enable, .validate, .disable → {disabled},
//     .regenerateCodes, GET .codesRemaining) and deprecates the methods for 9.0.
//   - apps/meteor/app/2fa/server/loginHandler.ts and code/index.ts (checkCodeForUser): a
//     login object {totp:{login, code}} runs the inner login with the code; after the
//     password is found right, a user with TOTP enabled gets Meteor.Error('totp-required',
//     'TOTP Required', {method:'totp', codeGenerated:false, availableMethods:['totp']})
//     without a code and 'totp-invalid' / 'TOTP Invalid' with the same details for a
//     wrong one. Resume logins are never asked. Nothing happens while
//     Accounts_TwoFactorAuthentication_Enabled or _By_TOTP_Enabled is off.
//   - apps/meteor/app/api/server/ApiClass.ts: REST login turns {user, password, code}
//     (or the x-2fa-code header) into that wrapper, and answers a failure 401
//     {status:'error', error:<code>, details, message:<reason>}.
//
// Outpost adds what Rocket.Chat leaves out: a TOTP step once accepted for a user is
// never accepted again (RFC 6238 §5.2; remembered in memory, so a restart forgets), and
// wrong codes count toward the failed-login limiter, at login and in the methods above.
//
// E-mail codes (services.email2fa, users.2fa.*Email) need an SMTP server Outpost does
// not have; they are not supported.

// TOTP parameters (RFC 6238 defaults, as speakeasy uses them).
const (
	totpDigits  = 6
	totpPeriod  = 30 // seconds
	backupCount = 12
	backupLen   = 8
)

// TwoFactorSettings are the 2FA settings, with Rocket.Chat's ids
// (apps/meteor/server/settings/accounts.ts, section "Two Factor Authentication"). They
// are public where Rocket.Chat's are: clients show the 2FA screens only when they see
// them. E-mail codes are off, unlike Rocket.Chat's default, because Outpost sends no
// e-mail. Register them alongside Settings().
func TwoFactorSettings() []model.Setting {
	b := func(id string, v, public bool) model.Setting {
		return model.Setting{ID: id, Type: model.SettingBoolean, PackageValue: v, Group: "Accounts",
			Section: "Two Factor Authentication", I18nLabel: id, Public: public}
	}
	return []model.Setting{
		b("Accounts_TwoFactorAuthentication_Enabled", true, true),
		{ID: "Accounts_TwoFactorAuthentication_MaxDelta", Type: model.SettingInt, PackageValue: 1, Group: "Accounts",
			Section: "Two Factor Authentication", I18nLabel: "Accounts_TwoFactorAuthentication_MaxDelta"},
		b("Accounts_TwoFactorAuthentication_By_TOTP_Enabled", true, true),
		b("Accounts_TwoFactorAuthentication_By_Email_Enabled", false, true),
	}
}

// totpBool reads a 2FA boolean setting, true when it is not registered.
func (s *Service) totpBool(id string) bool {
	if b, ok := s.setting(id).(bool); ok {
		return b
	}
	return true
}

// maxDelta is how many steps either side of now a code may come from (0 to 10).
func (s *Service) maxDelta() int64 {
	if s.setting("Accounts_TwoFactorAuthentication_MaxDelta") == nil {
		return 1
	}
	return min(max(s.number("Accounts_TwoFactorAuthentication_MaxDelta"), 0), 10)
}

// totpOn reports whether logins of u need an authenticator code.
func (s *Service) totpOn(u model.User) bool {
	return u.Services.TOTP != nil && u.Services.TOTP.Enabled && u.Services.TOTP.Secret != "" &&
		s.totpBool("Accounts_TwoFactorAuthentication_Enabled") && s.totpBool("Accounts_TwoFactorAuthentication_By_TOTP_Enabled")
}

func totpDetails() map[string]any {
	return map[string]any{"method": "totp", "codeGenerated": false, "availableMethods": []string{"totp"}}
}

// Login refusals for a user with TOTP enabled: no code, or a wrong one.
const (
	codeTOTPRequired = "totp-required"
	codeTOTPInvalid  = "totp-invalid"
)

func errTOTPRequired() *model.Error {
	return &model.Error{Kind: model.KindUnauthorized, Code: codeTOTPRequired, Message: "TOTP Required", Details: totpDetails()}
}

func errTOTPInvalid() *model.Error {
	return &model.Error{Kind: model.KindUnauthorized, Code: codeTOTPInvalid, Message: "TOTP Invalid", Details: totpDetails()}
}

// errInvalidTOTP is the methods' Meteor.Error('invalid-totp'), without a reason.
func errInvalidTOTP() *model.Error { return refused("invalid-totp", "", nil) }

// loginSecondFactor is the check a password login passes once the password is right:
// nothing for users without TOTP, else a valid code (TOTP or unused backup) is needed.
func (s *Service) loginSecondFactor(ctx context.Context, u model.User, code string) error {
	if !s.totpOn(u) {
		return nil
	}
	if strings.TrimSpace(code) == "" {
		return errTOTPRequired()
	}
	ok, err := s.checkCode(ctx, u, code)
	if err != nil {
		return model.AsError(err)
	}
	if !ok {
		return errTOTPInvalid()
	}
	return nil
}

// TOTPSetup is what 2fa:enable answers: the new secret and the otpauth:// URL the
// client shows as a QR code.
type TOTPSetup struct {
	Secret string `json:"secret"`
	URL    string `json:"url"`
}

// totpUser loads the signed-in actor's user.
func (s *Service) totpUser(ctx context.Context, actor model.Actor) (model.User, error) {
	if actor.IsAnonymous() {
		return model.User{}, &model.Error{Kind: model.KindUnauthorized, Code: "not-authorized"}
	}
	u, err := s.users.ByID(ctx, actor.UserID)
	if errors.Is(err, model.ErrNotFound) {
		return model.User{}, refused("error-invalid-user", "Invalid user", nil)
	}
	if err != nil {
		return model.User{}, model.Internal(err)
	}
	return u, nil
}

// codeAttempt refuses a code check while the user is blocked for failed logins.
func (s *Service) codeAttempt(u model.User) error {
	if err := s.limiter.check(u.Username, ""); err != nil {
		e := model.AsError(err) // 429 rather than 401, which clients read as a lost session
		return &model.Error{Kind: model.KindTooMany, Code: e.Code, Message: e.Message}
	}
	return nil
}

func (s *Service) nowMillis() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// EnableTOTP is 2fa:enable (users.totp.enable): it gives the actor a new secret to add
// to their authenticator app, kept as services.totp.tempSecret (and TOTP off) until
// ValidateTOTP confirms a code of it.
func (s *Service) EnableTOTP(ctx context.Context, actor model.Actor) (TOTPSetup, error) {
	u, err := s.totpUser(ctx, actor)
	if err != nil {
		return TOTPSetup{}, err
	}
	if u.Username == "" {
		return TOTPSetup{}, refused("error-invalid-user", "Invalid user", nil)
	}
	if u.Services.TOTP != nil && u.Services.TOTP.Enabled {
		return TOTPSetup{}, refused("error-2fa-already-enabled", "", nil)
	}
	secret := newTOTPSecret()
	set := map[string]any{"services.totp": model.TOTPService{TempSecret: secret}, "_updatedAt": s.nowMillis()}
	if _, err := s.users.UpdateFields(ctx, u.ID, set, nil); err != nil {
		return TOTPSetup{}, model.AsError(err)
	}
	site, _ := s.setting("Site_Name").(string)
	if site == "" {
		site = "Outpost"
	}
	return TOTPSetup{Secret: secret, URL: otpauthURL(site, u.Username, secret)}, nil
}

// ValidateTOTP is 2fa:validateTempToken (users.totp.validate): a code of the secret
// EnableTOTP gave turns TOTP on, and the answer is 12 new backup codes, shown this once.
// keepToken, when not empty, is the caller's own login token: every other resume token
// of the user is removed and their sessions end, as Rocket.Chat does when the call
// carries X-Auth-Token.
func (s *Service) ValidateTOTP(ctx context.Context, actor model.Actor, code, keepToken string) ([]string, error) {
	u, err := s.totpUser(ctx, actor)
	if err != nil {
		return nil, err
	}
	t := u.Services.TOTP
	if t == nil || t.TempSecret == "" {
		return nil, errInvalidTOTP()
	}
	if err := s.codeAttempt(u); err != nil {
		return nil, err
	}
	if !s.verifyTOTP(u.ID, t.TempSecret, code) {
		s.limiter.failed(u.Username, "")
		return nil, errInvalidTOTP()
	}
	codes, hashed := newBackupCodes()
	var revoked []string
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.users.ByID(ctx, u.ID)
		if err != nil {
			return err
		}
		if cur.Services.TOTP == nil || cur.Services.TOTP.TempSecret != t.TempSecret {
			return errInvalidTOTP() // a concurrent 2fa:enable replaced the secret
		}
		set := map[string]any{
			"services.totp.enabled":      true,
			"services.totp.secret":       t.TempSecret,
			"services.totp.hashedBackup": hashed,
			"_updatedAt":                 s.nowMillis(),
		}
		if _, err := s.users.UpdateFields(ctx, u.ID, set, []string{"services.totp.tempSecret"}); err != nil {
			return err
		}
		if keepToken == "" {
			return nil
		}
		keep := hashToken(keepToken)
		revoked = hashesOf(cur, func(lt model.LoginToken) bool { return lt.Type == "" && lt.HashedToken != keep })
		if len(revoked) == 0 {
			return nil
		}
		return s.users.KeepOnlyLoginToken(ctx, u.ID, keep)
	})
	if errors.Is(err, model.ErrNotFound) {
		return nil, refused("error-invalid-user", "Invalid user", nil)
	}
	if err != nil {
		return nil, model.AsError(err)
	}
	s.publish(streamhub.UserChanged{Action: "updated", ID: u.ID, Username: u.Username, Diff: map[string]any{"services.totp.enabled": true}})
	if len(revoked) > 0 {
		s.publish(streamhub.UserTokensRevoked{UserID: u.ID, Hashed: revoked})
	}
	s.log.Info("two-factor authentication enabled", "username", u.Username)
	return codes, nil
}

// DisableTOTP is 2fa:disable (users.totp.disable): with a valid code (TOTP or backup)
// it turns TOTP off and reports true; a wrong code, or TOTP not enabled, reports false.
func (s *Service) DisableTOTP(ctx context.Context, actor model.Actor, code string) (bool, error) {
	u, err := s.totpUser(ctx, actor)
	if err != nil {
		return false, err
	}
	if u.Services.TOTP == nil || !u.Services.TOTP.Enabled {
		return false, nil
	}
	ok, err := s.methodCode(ctx, u, code)
	if err != nil || !ok {
		return false, err
	}
	set := map[string]any{"services.totp": model.TOTPService{}, "_updatedAt": s.nowMillis()}
	if _, err := s.users.UpdateFields(ctx, u.ID, set, nil); err != nil {
		return false, model.AsError(err)
	}
	s.publish(streamhub.UserChanged{Action: "updated", ID: u.ID, Username: u.Username, Diff: map[string]any{"services.totp.enabled": false}})
	s.log.Info("two-factor authentication disabled", "username", u.Username)
	return true, nil
}

// RegenerateTOTPCodes is 2fa:regenerateCodes (users.totp.regenerateCodes): with a valid
// code it replaces the backup codes with 12 new ones and returns them; a wrong code
// returns nil (Rocket.Chat answers nothing). TOTP must be enabled (invalid-totp).
func (s *Service) RegenerateTOTPCodes(ctx context.Context, actor model.Actor, code string) ([]string, error) {
	u, err := s.totpUser(ctx, actor)
	if err != nil {
		return nil, err
	}
	if u.Services.TOTP == nil || !u.Services.TOTP.Enabled {
		return nil, errInvalidTOTP()
	}
	ok, err := s.methodCode(ctx, u, code)
	if err != nil || !ok {
		return nil, err
	}
	codes, hashed := newBackupCodes()
	set := map[string]any{"services.totp.hashedBackup": hashed, "_updatedAt": s.nowMillis()}
	if _, err := s.users.UpdateFields(ctx, u.ID, set, nil); err != nil {
		return nil, model.AsError(err)
	}
	return codes, nil
}

// TOTPCodesRemaining is 2fa:checkCodesRemaining (users.totp.codesRemaining): how many
// unused backup codes the actor has. TOTP must be enabled (invalid-totp).
func (s *Service) TOTPCodesRemaining(ctx context.Context, actor model.Actor) (int, error) {
	u, err := s.totpUser(ctx, actor)
	if err != nil {
		return 0, err
	}
	if u.Services.TOTP == nil || !u.Services.TOTP.Enabled {
		return 0, errInvalidTOTP()
	}
	return len(u.Services.TOTP.HashedBackup), nil
}

// methodCode checks a code given to a signed-in method, counting a wrong one as a
// failed login of the user.
func (s *Service) methodCode(ctx context.Context, u model.User, code string) (bool, error) {
	if err := s.codeAttempt(u); err != nil {
		return false, err
	}
	ok, err := s.checkCode(ctx, u, code)
	if err != nil {
		return false, model.AsError(err)
	}
	if !ok {
		s.limiter.failed(u.Username, "")
	}
	return ok, nil
}

// checkCode verifies a code against u's enabled TOTP: an 8-character code is a backup
// code, consumed if unused; anything else must be a code of the secret from within the
// window, of a step not used before.
func (s *Service) checkCode(ctx context.Context, u model.User, code string) (bool, error) {
	code = strings.TrimSpace(code)
	t := u.Services.TOTP
	if t == nil || !t.Enabled {
		return false, nil
	}
	if len(code) == backupLen {
		return s.useBackupCode(ctx, u.ID, code)
	}
	return s.verifyTOTP(u.ID, t.Secret, code), nil
}

// useBackupCode removes the code from the user's unused backup codes; false if it is
// not among them. Two logins racing with one code cannot both have it.
func (s *Service) useBackupCode(ctx context.Context, uid, code string) (bool, error) {
	hashed := hashBackupCode(code)
	used := false
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.users.ByID(ctx, uid)
		if err != nil {
			return err
		}
		t := u.Services.TOTP
		if t == nil || !t.Enabled {
			return nil
		}
		i := slices.IndexFunc(t.HashedBackup, func(h string) bool { return subtle.ConstantTimeCompare([]byte(h), []byte(hashed)) == 1 })
		if i < 0 {
			return nil
		}
		rest := slices.Delete(slices.Clone(t.HashedBackup), i, i+1)
		if _, err := s.users.UpdateFields(ctx, uid, map[string]any{"services.totp.hashedBackup": rest}, nil); err != nil {
			return err
		}
		used = true
		return nil
	})
	if errors.Is(err, model.ErrNotFound) {
		return false, nil
	}
	return used, err
}

// verifyTOTP checks a 6-digit code of secret (base32) against the steps within
// maxDelta of now, accepting a step only once per user.
func (s *Service) verifyTOTP(uid, secret, code string) bool {
	code = strings.TrimSpace(code)
	key, err := decodeTOTPSecret(secret)
	if err != nil || len(code) != totpDigits || strings.Trim(code, "0123456789") != "" {
		return false
	}
	now := s.now().Unix()
	step := floorDiv(now, totpPeriod)
	delta := s.maxDelta()
	return s.usedSteps.claim(uid, step, delta, func(st int64) bool {
		return subtle.ConstantTimeCompare([]byte(hotp(key, uint64(st), totpDigits)), []byte(code)) == 1
	})
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// stepGuard remembers, per user, the last TOTP step a code was accepted for.
type stepGuard struct {
	mu   sync.Mutex
	last map[string]int64
}

func newStepGuard() *stepGuard { return &stepGuard{last: map[string]int64{}} }

// claim looks for a step within delta of step, later than the user's last accepted
// one, that match accepts; it records and reports the first found.
func (g *stepGuard) claim(uid string, step, delta int64, match func(int64) bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	last, seen := g.last[uid]
	for st := step - delta; st <= step+delta; st++ {
		if (seen && st <= last) || st < 0 || !match(st) {
			continue
		}
		if len(g.last) >= maxTracked {
			for k, v := range g.last { // entries this old no longer refuse anything
				if v < step-delta-1 {
					delete(g.last, k)
				}
			}
		}
		g.last[uid] = st
		return true
	}
	return false
}

// hotp is RFC 4226's HOTP: HMAC-SHA1 of the big-endian counter, dynamically truncated
// to 31 bits, the last digits of it in decimal.
func hotp(key []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// TOTPCode returns the 6-digit RFC 6238 code of a base32 secret at a time (SHA-1, 30 s
// steps), as an authenticator app shows it.
func TOTPCode(secret string, at time.Time) (string, error) {
	key, err := decodeTOTPSecret(secret)
	if err != nil {
		return "", err
	}
	return hotp(key, uint64(floorDiv(at.Unix(), totpPeriod)), totpDigits), nil
}

var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newTOTPSecret returns 20 random bytes (RFC 4226's recommended 160 bits) in base32
// without padding: 32 characters.
func newTOTPSecret() string {
	b := make([]byte, 20)
	rand.Read(b)
	return totpEncoding.EncodeToString(b)
}

// decodeTOTPSecret reads a base32 secret, forgiving case, spaces and padding.
func decodeTOTPSecret(secret string) ([]byte, error) {
	s := strings.ToUpper(strings.NewReplacer(" ", "", "=", "", "-", "").Replace(secret))
	if s == "" {
		return nil, errors.New("accounts: empty TOTP secret")
	}
	return totpEncoding.DecodeString(s)
}

// otpauthURL is the Key URI authenticator apps read from the QR code:
// otpauth://totp/<site>:<username>?secret=<base32>&issuer=<site>.
func otpauthURL(site, username, secret string) string {
	esc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	return "otpauth://totp/" + esc(site) + ":" + esc(username) + "?secret=" + secret + "&issuer=" + esc(site)
}

// newBackupCodes returns 12 backup codes, Random.id(8) as Rocket.Chat makes them, and
// their hashes as stored.
func newBackupCodes() (codes, hashed []string) {
	for range backupCount {
		c := model.RandomString(backupLen)
		codes = append(codes, c)
		hashed = append(hashed, hashBackupCode(c))
	}
	return codes, hashed
}

// hashBackupCode is how a backup code is stored: hex SHA-256, as Meteor's SHA256 gives.
func hashBackupCode(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}
