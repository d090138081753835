package rest

// Messaging is messages; messaging.Service satisfies it.
type Messaging interface{}

// chatRoutes registers chat.* and the rooms' history and messages routes.
func (a *api) chatRoutes() {}
