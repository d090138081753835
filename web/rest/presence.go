package rest

// Presence is users' status; presence.Service satisfies it.
type Presence interface{}

// presenceRoutes registers users.setStatus, users.getStatus and users.presence.
func (a *api) presenceRoutes() {}
