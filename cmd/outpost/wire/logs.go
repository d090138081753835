package wire

import "github.com/outpostchat/outpost/web/admin"

// adminLogs is App.Logs for the console: nil, not a typed nil, when there is none.
func (a *App) adminLogs() admin.Logs {
	if a.Logs == nil {
		return nil
	}
	return a.Logs
}
