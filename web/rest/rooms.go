package rest

// Rooms is rooms and subscriptions; rooms.Service satisfies it.
type Rooms interface{}

// roomRoutes registers channels.*, groups.*, im.*, rooms.*, subscriptions.* and directory.
func (a *api) roomRoutes() {}
