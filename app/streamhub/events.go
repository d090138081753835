package streamhub

// Event is something that happened, published after it was committed. Topic names the
// stream it belongs to (see the package documentation for the naming scheme). Event
// types carry only standard-library types; add new ones to this file.
type Event interface {
	Topic() string
}

// TopicSettings is the topic of [SettingChanged].
const TopicSettings = "settings"

// SettingChanged reports that a setting took a new value.
type SettingChanged struct {
	ID     string // the setting's _id, e.g. "Site_Name"
	Value  any    // the new value: bool, string, int64 or float64
	Public bool   // visible to clients that are not logged in
}

// Topic returns [TopicSettings].
func (SettingChanged) Topic() string { return TopicSettings }
