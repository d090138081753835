package ddp

import (
	"context"
	"encoding/json"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
)

// TwoFactor is the authenticator-app (TOTP) two-factor authentication the 2fa:* methods
// need; accounts.Service satisfies it, and RegisterAccountMethods registers them when its
// Accounts does.
type TwoFactor interface {
	EnableTOTP(ctx context.Context, actor model.Actor) (accounts.TOTPSetup, error)
	ValidateTOTP(ctx context.Context, actor model.Actor, code, keepToken string) ([]string, error)
	DisableTOTP(ctx context.Context, actor model.Actor, code string) (bool, error)
	RegenerateTOTPCodes(ctx context.Context, actor model.Actor, code string) ([]string, error)
	TOTPCodesRemaining(ctx context.Context, actor model.Actor) (int, error)
}

// RegisterTwoFactorMethods adds the methods Rocket.Chat's web client drives TOTP setup
// with (apps/meteor/app/2fa/server/methods/*.ts), which the mobile app reaches through
// method.call:
//
//	2fa:enable                   → {secret, url}   (url: otpauth://totp/…, for the QR code)
//	2fa:validateTempToken(code)  → {codes}         (12 backup codes; TOTP now on) or error invalid-totp
//	2fa:disable(code)            → true, or false for a wrong code
//	2fa:regenerateCodes(code)    → {codes}, or no result for a wrong code
//	2fa:checkCodesRemaining      → {remaining}
//
// Over a DDP connection 2fa:validateTempToken keeps the connection's own login token and
// ends every other session of the user, as Rocket.Chat does for a call carrying its
// token; through the REST bridge there is no token to keep, and no session ends.
func RegisterTwoFactorMethods(s *Server, tf TwoFactor) {
	code := func(params []json.RawMessage) (string, error) {
		var c string
		_, err := OptParam(params, 0, &c)
		return c, err
	}
	s.Method("2fa:enable", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		return tf.EnableTOTP(ctx, call.Actor())
	})
	s.Method("2fa:validateTempToken", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		c, err := code(params)
		if err != nil {
			return nil, err
		}
		keep := ""
		if conn := call.Conn(); conn != nil {
			keep = conn.LoginToken()
		}
		codes, err := tf.ValidateTOTP(ctx, call.Actor(), c, keep)
		if err != nil {
			return nil, err
		}
		return map[string]any{"codes": codes}, nil
	})
	s.Method("2fa:disable", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		c, err := code(params)
		if err != nil {
			return nil, err
		}
		return tf.DisableTOTP(ctx, call.Actor(), c)
	})
	s.Method("2fa:regenerateCodes", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		c, err := code(params)
		if err != nil {
			return nil, err
		}
		codes, err := tf.RegenerateTOTPCodes(ctx, call.Actor(), c)
		if err != nil || codes == nil {
			return nil, err
		}
		return map[string]any{"codes": codes}, nil
	})
	s.Method("2fa:checkCodesRemaining", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		n, err := tf.TOTPCodesRemaining(ctx, call.Actor())
		if err != nil {
			return nil, err
		}
		return map[string]any{"remaining": n}, nil
	})
}
