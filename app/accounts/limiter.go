package accounts

import (
	"strings"
	"sync"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// limiter blocks logins after repeated failures, per user and per client address, with
// Rocket.Chat's Block_Multiple_Failed_Logins_* settings: by default 10 failures for a
// user or 50 from an address since its last success block further tries for 5 minutes.
// Counts live in memory; a restart forgives everyone.
type limiter struct {
	config Config
	now    func() time.Time

	mu     sync.Mutex
	byUser map[string]*strikes
	byIP   map[string]*strikes
}

type strikes struct {
	n     int64
	last  time.Time
	until time.Time
}

// maxTracked bounds each map; past it, entries idle longer than an hour are dropped.
const maxTracked = 10000

func newLimiter(c Config, now func() time.Time) *limiter {
	return &limiter{config: c, now: now, byUser: map[string]*strikes{}, byIP: map[string]*strikes{}}
}

func (l *limiter) on() bool { return l.config.Bool("Block_Multiple_Failed_Logins_Enabled") }

func (l *limiter) check(user, ip string) error {
	if !l.on() {
		return nil
	}
	user = strings.ToLower(user)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := l.byUser[user]; s != nil && l.config.Bool("Block_Multiple_Failed_Logins_By_User") && now.Before(s.until) {
		return &model.Error{Kind: model.KindUnauthorized, Code: "error-login-blocked-for-user", Message: "Login has been temporarily blocked For User"}
	}
	if s := l.byIP[ip]; ip != "" && s != nil && l.config.Bool("Block_Multiple_Failed_Logins_By_Ip") && now.Before(s.until) {
		return &model.Error{Kind: model.KindUnauthorized, Code: "error-login-blocked-for-ip", Message: "Login has been temporarily blocked For IP"}
	}
	return nil
}

func (l *limiter) failed(user, ip string) {
	if !l.on() {
		return
	}
	user = strings.ToLower(user)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.strike(l.byUser, user, now, l.config.Int("Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User"),
		l.config.Int("Block_Multiple_Failed_Logins_Time_To_Unblock_By_User_In_Minutes"))
	if ip != "" {
		l.strike(l.byIP, ip, now, l.config.Int("Block_Multiple_Failed_Logins_Attempts_Until_Block_By_Ip"),
			l.config.Int("Block_Multiple_Failed_Logins_Time_To_Unblock_By_Ip_In_Minutes"))
	}
}

func (l *limiter) strike(m map[string]*strikes, key string, now time.Time, limit, minutes int64) {
	s := m[key]
	if s == nil {
		if len(m) >= maxTracked {
			for k, v := range m {
				if now.Sub(v.last) > time.Hour {
					delete(m, k)
				}
			}
		}
		s = &strikes{}
		m[key] = s
	}
	s.n++
	s.last = now
	if limit > 0 && s.n >= limit {
		s.until = now.Add(time.Duration(minutes) * time.Minute)
		s.n = 0
	}
}

func (l *limiter) succeeded(user, ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.byUser, strings.ToLower(user))
	delete(l.byIP, ip)
}
