package ddp

import (
	"context"
	"encoding/json"
	"net"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/web/rest"
)

// Accounts is the sign-in service the DDP methods need; accounts.Service satisfies it.
type Accounts interface {
	LoginWithPassword(ctx context.Context, c accounts.Credentials) (accounts.Session, error)
	Resume(ctx context.Context, token string) (accounts.Session, error)
	Logout(ctx context.Context, uid, token string) error
}

// RegisterAccountMethods adds login, logout and license:getModules, and the 2fa:*
// methods (RegisterTwoFactorMethods) when acc also implements TwoFactor.
func RegisterAccountMethods(s *Server, acc Accounts) {
	if tf, ok := acc.(TwoFactor); ok {
		RegisterTwoFactorMethods(s, tf)
	}
	s.Method("login", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		return login(ctx, acc, call, params)
	})
	s.Method("logout", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		a := call.Actor()
		if a.IsAnonymous() {
			return nil, nil
		}
		if c := call.Conn(); c != nil {
			if err := acc.Logout(ctx, a.UserID, c.LoginToken()); err != nil {
				return nil, err
			}
		}
		call.Logout()
		return nil, nil
	})
	s.Method("license:getModules", func(context.Context, *Call, []json.RawMessage) (any, error) {
		return rest.LicenseModules, nil
	})
}

// loginParams is every login object PROTOCOL.md §1.7 lists that Outpost handles.
type loginParams struct {
	User *struct {
		Username string `json:"username"`
		Email    string `json:"email"`
	} `json:"user"`
	Password json.RawMessage `json:"password"` // {digest, algorithm} or a plaintext string
	Resume   string          `json:"resume"`
	// TOTP is Rocket.Chat's 2FA wrapper {totp:{login:<a login object>, code}}: the inner
	// login, with the code as its second factor.
	TOTP *struct {
		Login json.RawMessage `json:"login"`
		Code  string          `json:"code"`
	} `json:"totp"`
}

type loginResult struct {
	ID           string    `json:"id"`
	Token        string    `json:"token"`
	TokenExpires time.Time `json:"tokenExpires"`
	Type         string    `json:"type"`
}

// errUnrecognizedLogin is Meteor's answer to a login object no handler takes.
func errUnrecognizedLogin() error {
	return &model.Error{Kind: model.KindInvalid, Code: "400", Message: "Unrecognized options for login request"}
}

func login(ctx context.Context, acc Accounts, call *Call, params []json.RawMessage) (any, error) {
	var p loginParams
	if err := Param(params, 0, &p); err != nil {
		return nil, err
	}
	code := ""
	if p.TOTP != nil {
		// Rocket.Chat's "totp" login handler runs the inner login when a code is given
		// (apps/meteor/app/2fa/server/loginHandler.ts); one level deep.
		if p.TOTP.Code == "" || len(p.TOTP.Login) == 0 {
			return nil, errUnrecognizedLogin()
		}
		code = p.TOTP.Code
		inner := p.TOTP.Login
		p = loginParams{}
		if err := Unmarshal(inner, &p); err != nil {
			return nil, &model.Error{Kind: model.KindInvalid, Code: "invalid-params", Message: "Match error: Invalid login object in totp", Cause: err}
		}
		if p.TOTP != nil {
			return nil, errUnrecognizedLogin()
		}
	}
	var (
		s   accounts.Session
		err error
	)
	switch {
	case p.Resume != "":
		s, err = acc.Resume(ctx, p.Resume)
	case p.User != nil && len(p.Password) > 0:
		c := accounts.Credentials{User: p.User.Username, Code: code}
		if c.User == "" {
			c.User = p.User.Email
		}
		if c2 := call.Conn(); c2 != nil {
			c.IP = hostOf(c2.RemoteAddr())
		}
		if err := c.SetPassword(p.Password); err != nil {
			return nil, err
		}
		s, err = acc.LoginWithPassword(ctx, c)
	default:
		return nil, errUnrecognizedLogin()
	}
	if err != nil {
		return nil, err
	}
	if c := call.Conn(); c != nil {
		if err := call.SetUser(s.Actor(), s.Token); err != nil {
			return nil, err
		}
	}
	return loginResult{ID: s.User.ID, Token: s.Token, TokenExpires: s.Expires, Type: s.Type}, nil
}

// hostOf is the address part of host:port.
func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}
