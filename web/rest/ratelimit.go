package rest

// Rocket.Chat's REST rate limiter (PROTOCOL.md §0.1 item 7, §4.0.3), as its source has it
// (apps/meteor/app/api/server/api.ts, later ApiClass.ts, over Meteor's rate-limit package):
//
//   - Every route of the versioned API (/api/v1/…) gets a rule unless its definition says
//     rateLimiterOptions: false; /api/info lives on the unversioned API and never does. A
//     route may give its own {numRequestsAllowed, intervalTimeInMS}; the others use
//     API_Enable_Rate_Limiter_Limit_Calls_Default (10) per
//     API_Enable_Rate_Limiter_Limit_Time_Default (60000 ms). No rule exists at all unless
//     both defaults are non-zero, nor under TEST_MODE.
//   - A rule applies while API_Enable_Rate_Limiter is true (and, in development mode only,
//     API_Enable_Rate_Limiter_Dev: Outpost is never in development mode), and not to a
//     user holding api-bypass-rate-limit (admin, bot and app by default).
//   - The counter's key is the route pattern with its HTTP method ("channels.historyget")
//     and the client's IP: Rocket.Chat keys signed-in users by IP too. It counts after
//     authentication (a 401 on an auth-only route is not counted) and before parameter
//     validation and permission checks, so refused calls count.
//   - Windows are fixed: the call is counted first, then refused when the count exceeds
//     the limit, so the 11th call of a minute is the first refused. Every counted
//     answer, refused or not, carries X-RateLimit-Limit (the limit),
//     X-RateLimit-Remaining (calls left, 0 once over) and X-RateLimit-Reset (the window's
//     end in Unix milliseconds). A refusal is HTTP 429 {"success":false,"error":"Error,
//     too many requests. Please slow down. You must wait N seconds before trying this
//     endpoint again. [error-too-many-requests]"} with N the seconds left, rounded up,
//     and no errorType.
//   - method.call and method.callAnon opt out (rateLimiterOptions: false) and apply
//     Meteor's DDP method rate limiter per method instead; those routes are served by
//     package web, outside this limiter.
//   - The client IP is X-Real-IP when present, else the socket's peer, else the entry of
//     X-Forwarded-For that HTTP_FORWARDED_COUNT proxies back.
//
// Outpost differs on purpose in three places. Signed-in callers are counted per user,
// not per IP: a team behind one NAT or one reverse proxy would otherwise share a single
// allowance (Rocket.Chat's own, closed, pull request #41970 proposed per-user keys for
// the same reason). X-Real-IP is never trusted, since any client can send it;
// X-Forwarded-For only with Deps.ForwardedCount (cmd/outpost: HTTP_FORWARDED_COUNT).
// Windows start at a key's first call rather than once per route for every key.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
)

// The limiter's settings, with Rocket.Chat's ids, and the permission that bypasses it.
const (
	settingRateLimiter      = "API_Enable_Rate_Limiter"
	settingRateLimiterDev   = "API_Enable_Rate_Limiter_Dev"
	settingRateLimitCalls   = "API_Enable_Rate_Limiter_Limit_Calls_Default"
	settingRateLimitTime    = "API_Enable_Rate_Limiter_Limit_Time_Default"
	permBypassRateLimit     = "api-bypass-rate-limit"
	defaultMaxRateLimitKeys = 100_000
)

// LimitSettings reads the rate limiter's settings live, so an admin's change applies to
// the next call; settings.Service satisfies it.
type LimitSettings interface {
	Bool(id string) bool
	Int(id string) int64
}

// RateLimitSettings are the settings the REST rate limiter reads, with Rocket.Chat's ids,
// group and defaults. Register them with the settings service.
// API_Enable_Rate_Limiter_Dev only matters to a server in development mode, which Outpost
// never is; it is registered so that admin tools which read it find it.
func RateLimitSettings() []model.Setting {
	const group, section = "Rate Limiter", "API_Rate_Limiter"
	return []model.Setting{
		{ID: settingRateLimiter, Type: model.SettingBoolean, PackageValue: true, Group: group, Section: section, I18nLabel: settingRateLimiter},
		{ID: settingRateLimiterDev, Type: model.SettingBoolean, PackageValue: true, Group: group, Section: section, I18nLabel: settingRateLimiterDev},
		{ID: settingRateLimitCalls, Type: model.SettingInt, PackageValue: 10, Group: group, Section: section, I18nLabel: settingRateLimitCalls},
		{ID: settingRateLimitTime, Type: model.SettingInt, PackageValue: 60000, Group: group, Section: section, I18nLabel: settingRateLimitTime},
	}
}

// routeLimit is a route's own rule: off, or its own calls per interval; the zero value
// takes the defaults from the settings.
type routeLimit struct {
	off      bool
	calls    int64
	interval time.Duration
}

// routeLimits are the routes whose Rocket.Chat definitions give their own
// rateLimiterOptions, keyed by the route's pattern as registered. Every other /api/v1
// route takes the defaults, as it does in Rocket.Chat 8.x.
var routeLimits = map[string]routeLimit{
	// Rocket.Chat limits users.register to Rate_Limiter_Limit_RegisterUser (1) per the
	// default interval per IP; accounts.Service.Register enforces exactly that, so the
	// route is not counted twice.
	"POST /api/v1/users.register": {off: true},
	// PR #41966 (8.x): the 5-per-second allowance of the sendMessage method it replaced.
	"POST /api/v1/chat.sendMessage": {calls: 5, interval: time.Second},
	// PR #42104 (8.x): the allowances of the DDP methods these routes replaced
	// (spotlight, browseChannels, followMessage, unfollowMessage); users.setStatus kept
	// the 5 per minute it already had.
	"GET /api/v1/spotlight":             {calls: 100, interval: 100 * time.Second},
	"GET /api/v1/directory":             {calls: 100, interval: 100 * time.Second},
	"POST /api/v1/chat.followMessage":   {calls: 5, interval: 5 * time.Second},
	"POST /api/v1/chat.unfollowMessage": {calls: 5, interval: 5 * time.Second},
	"POST /api/v1/users.setStatus":      {calls: 5, interval: time.Minute},
}

// routeLimitFor is the rule of the route registered with pattern: its own, or off outside
// the versioned API.
func routeLimitFor(pattern string) routeLimit {
	if rl, ok := routeLimits[pattern]; ok {
		return rl
	}
	if _, path, _ := strings.Cut(pattern, " "); !strings.HasPrefix(path, "/api/v1/") {
		return routeLimit{off: true}
	}
	return routeLimit{}
}

// limiter counts calls in fixed windows per route and caller. Its memory is bounded: an
// expired window is dropped at the next sweep (at most once per sweep interval, or when
// the map is full), and past maxKeys live windows some are forgotten at random, which
// only ever lets their callers start over.
type limiter struct {
	settings LimitSettings
	now      func() time.Time
	maxKeys  int

	mu        sync.Mutex
	windows   map[limitKey]*window
	nextSweep time.Time
}

type limitKey struct{ route, who string }

type window struct {
	end   time.Time
	count int64
}

// sweepEvery is how often the limiter drops expired windows when it is not full.
const sweepEvery = time.Minute

func newLimiter(s LimitSettings) *limiter {
	return &limiter{settings: s, now: time.Now, maxKeys: defaultMaxRateLimitKeys, windows: map[limitKey]*window{}}
}

// hit counts one call of who on route, whose window lasts interval, and returns the count
// so far in the window and the window's end.
func (l *limiter) hit(route, who string, interval time.Duration) (int64, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	k := limitKey{route, who}
	w := l.windows[k]
	if w == nil || !now.Before(w.end) {
		if w == nil && len(l.windows) >= l.maxKeys || !now.Before(l.nextSweep) {
			l.sweep(now)
		}
		w = &window{end: now.Add(interval)}
		l.windows[k] = w
	}
	w.count++
	return w.count, w.end
}

// sweep drops the expired windows and, if the map is still full, forgets windows at
// random (Go's map order) until an eighth of it is free. l.mu must be held.
func (l *limiter) sweep(now time.Time) {
	l.nextSweep = now.Add(sweepEvery)
	for k, w := range l.windows {
		if !now.Before(w.end) {
			delete(l.windows, k)
		}
	}
	target := l.maxKeys - l.maxKeys/8 - 1
	for k := range l.windows {
		if len(l.windows) <= target {
			break
		}
		delete(l.windows, k)
	}
}

// size is the number of windows held, for tests.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.windows)
}

type preAuthKey struct{}

// preAuth is the result of authenticating a request's headers once, before the rate
// limit, so that authed does not look the token up again.
type preAuth struct {
	user model.User
	err  error
}

// rateLimit counts the request against route's rule and returns a 429 error once the
// caller is over it; the returned request carries the authentication done on the way.
func (a *api) rateLimit(w http.ResponseWriter, r *http.Request, route string, rule routeLimit) (*http.Request, error) {
	if a.limits == nil || rule.off || !a.limits.settings.Bool(settingRateLimiter) {
		return r, nil
	}
	calls, ms := a.limits.settings.Int(settingRateLimitCalls), a.limits.settings.Int(settingRateLimitTime)
	if calls <= 0 || ms <= 0 {
		return r, nil // Rocket.Chat adds no rule to any route unless both defaults are set
	}
	interval := time.Duration(ms) * time.Millisecond
	if rule.calls > 0 {
		calls, interval = rule.calls, rule.interval
	}
	who := "ip:" + a.clientAddr(r)
	if uid, token := r.Header.Get("X-User-Id"), r.Header.Get("X-Auth-Token"); uid != "" && token != "" && a.Accounts != nil {
		u, err := a.Accounts.Authenticate(r.Context(), uid, token)
		r = r.WithContext(context.WithValue(r.Context(), preAuthKey{}, preAuth{user: u, err: err}))
		if err == nil {
			if a.bypassesRateLimit(r.Context(), accounts.ActorOf(u)) {
				return r, nil
			}
			who = "user:" + u.ID
		}
	}
	count, end := a.limits.hit(route, who, interval)
	left := end.Sub(a.limits.now())
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.FormatInt(calls, 10))
	h.Set("X-RateLimit-Remaining", strconv.FormatInt(max(calls-count, 0), 10))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(end.UnixMilli(), 10))
	if count <= calls {
		return r, nil
	}
	wait := int64((left + time.Second - 1) / time.Second)
	return r, &model.Error{Kind: model.KindTooMany, Code: codeTooMany, Message: fmt.Sprintf(
		"Error, too many requests. Please slow down. You must wait %d seconds before trying this endpoint again.", wait)}
}

// bypassesRateLimit reports whether actor holds api-bypass-rate-limit. Without the authz
// service it falls back to the roles Rocket.Chat grants it by default.
func (a *api) bypassesRateLimit(ctx context.Context, actor model.Actor) bool {
	if a.Authz != nil {
		return a.Authz.Can(ctx, actor, permBypassRateLimit, "")
	}
	return actor.HasRole("admin") || actor.HasRole("bot") || actor.HasRole("app")
}

// clientAddr is the client's address, which anonymous callers are rate-limited under
// and failed logins are counted by: the socket's peer, or, with ForwardedCount trusted
// proxies in front, the X-Forwarded-For entry that many hops back (Rocket.Chat's
// HTTP_FORWARDED_COUNT rule). An entry that is not an IP address falls back to the
// peer, so a forged header cannot mint arbitrary keys.
func (a *api) clientAddr(r *http.Request) string {
	peer := clientIP(r)
	if a.ForwardedCount <= 0 {
		return peer
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	if a.ForwardedCount > len(hops) {
		return peer
	}
	ip := net.ParseIP(hops[len(hops)-a.ForwardedCount])
	if ip == nil {
		return peer
	}
	return ip.String()
}
