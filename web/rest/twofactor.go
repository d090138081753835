package rest

import (
	"context"
	"errors"
	"net/http"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
)

// Two-factor authentication routes (Rocket.Chat's apps/meteor/app/api/server/v1/users.ts).
//
// Authenticator-app (TOTP) setup: Rocket.Chat's clients call the DDP methods 2fa:enable,
// 2fa:validateTempToken, 2fa:disable, 2fa:regenerateCodes and 2fa:checkCodesRemaining
// (over DDP, or REST method.call); a recent Rocket.Chat changeset adds REST twins, served
// here with its shapes:
//
//	POST users.totp.enable                      → {secret, url}
//	POST users.totp.validate        {code}      → {codes}        (400 [invalid-totp])
//	POST users.totp.disable         {code}      → {disabled}     (false for a wrong code)
//	POST users.totp.regenerateCodes {code}      → {codes}        (400 [invalid-totp])
//	GET  users.totp.codesRemaining              → {remaining}
//
// users.totp.validate, like Rocket.Chat, ends every other session of the caller: only
// the token the request is signed with stays.
//
// E-mail codes (users.2fa.enableEmail, users.2fa.disableEmail, users.2fa.sendEmailCode)
// need an SMTP server to send the codes, which Outpost does not have: those routes answer
// 400 error-not-supported, and the Accounts_TwoFactorAuthentication_By_Email_Enabled
// setting is off so clients do not offer them.

// TwoFactor is the authenticator-app 2FA of the users.totp.* routes; accounts.Service
// satisfies it, and the routes use Deps.Accounts when it does.
type TwoFactor interface {
	EnableTOTP(ctx context.Context, actor model.Actor) (accounts.TOTPSetup, error)
	ValidateTOTP(ctx context.Context, actor model.Actor, code, keepToken string) ([]string, error)
	DisableTOTP(ctx context.Context, actor model.Actor, code string) (bool, error)
	RegenerateTOTPCodes(ctx context.Context, actor model.Actor, code string) ([]string, error)
	TOTPCodesRemaining(ctx context.Context, actor model.Actor) (int, error)
}

// twoFactor returns the 2FA service.
func (a *api) twoFactor() (TwoFactor, error) {
	tf, ok := a.Accounts.(TwoFactor)
	if !ok {
		return nil, model.Internal(errors.New("rest: the accounts service has no two-factor authentication"))
	}
	return tf, nil
}

// errEmail2FA answers the e-mail code routes.
func errEmail2FA() error {
	return model.Invalid("error-not-supported",
		"E-mail two-factor authentication is not supported: this server has no SMTP server to send codes")
}

// users2faEmail serves POST users.2fa.enableEmail and users.2fa.disableEmail.
func (a *api) users2faEmail(w http.ResponseWriter, r *http.Request) error { return errEmail2FA() }

// users2faSendEmailCode serves POST users.2fa.sendEmailCode {emailOrUsername}, which
// needs no sign-in.
func (a *api) users2faSendEmailCode(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		EmailOrUsername string `json:"emailOrUsername"`
	}
	if err := DecodeJSON(r, &b); err != nil {
		return err
	}
	if b.EmailOrUsername == "" {
		return model.Invalid("error-parameter-required", "emailOrUsername is required")
	}
	return errEmail2FA()
}

// codeBody is the body of the routes that take a code.
type codeBody struct {
	Code string `json:"code"`
}

func readCode(r *http.Request) (string, error) {
	var b codeBody
	if err := DecodeJSON(r, &b); err != nil {
		return "", err
	}
	if b.Code == "" {
		return "", missing("code")
	}
	return b.Code, nil
}

// usersTOTPEnable serves POST users.totp.enable.
func (a *api) usersTOTPEnable(w http.ResponseWriter, r *http.Request) error {
	tf, err := a.twoFactor()
	if err != nil {
		return err
	}
	setup, err := tf.EnableTOTP(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	return WriteSuccess(w, setup)
}

// usersTOTPValidate serves POST users.totp.validate {code}.
func (a *api) usersTOTPValidate(w http.ResponseWriter, r *http.Request) error {
	tf, err := a.twoFactor()
	if err != nil {
		return err
	}
	code, err := readCode(r)
	if err != nil {
		return err
	}
	codes, err := tf.ValidateTOTP(r.Context(), actorOf(r), code, callerOf(r).token)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"codes": codes})
}

// usersTOTPDisable serves POST users.totp.disable {code}.
func (a *api) usersTOTPDisable(w http.ResponseWriter, r *http.Request) error {
	tf, err := a.twoFactor()
	if err != nil {
		return err
	}
	code, err := readCode(r)
	if err != nil {
		return err
	}
	disabled, err := tf.DisableTOTP(r.Context(), actorOf(r), code)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"disabled": disabled})
}

// usersTOTPRegenerateCodes serves POST users.totp.regenerateCodes {code}.
func (a *api) usersTOTPRegenerateCodes(w http.ResponseWriter, r *http.Request) error {
	tf, err := a.twoFactor()
	if err != nil {
		return err
	}
	code, err := readCode(r)
	if err != nil {
		return err
	}
	codes, err := tf.RegenerateTOTPCodes(r.Context(), actorOf(r), code)
	if err != nil {
		return err
	}
	if codes == nil {
		return &model.Error{Kind: model.KindInvalid, Code: "invalid-totp"}
	}
	return WriteSuccess(w, map[string]any{"codes": codes})
}

// usersTOTPCodesRemaining serves GET users.totp.codesRemaining.
func (a *api) usersTOTPCodesRemaining(w http.ResponseWriter, r *http.Request) error {
	tf, err := a.twoFactor()
	if err != nil {
		return err
	}
	n, err := tf.TOTPCodesRemaining(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"remaining": n})
}
