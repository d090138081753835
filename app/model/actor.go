package model

// Actor is who is asking: every service method takes one and checks what it may do.
type Actor struct {
	UserID   string
	Username string
	Roles    []string
}

// System is the actor for work the server does by itself (start-up, migrations, jobs).
var System = Actor{UserID: "rocket.cat", Username: "rocket.cat", Roles: []string{"admin", "bot"}}

// Anonymous is the actor for requests without credentials.
var Anonymous = Actor{}

// IsAnonymous reports whether the actor has no user.
func (a Actor) IsAnonymous() bool { return a.UserID == "" }

// HasRole reports whether the actor holds the global role.
func (a Actor) HasRole(role string) bool {
	for _, r := range a.Roles {
		if r == role {
			return true
		}
	}
	return false
}
