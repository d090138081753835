package model

import "time"

// Setting types, as Rocket.Chat names them.
const (
	SettingBoolean = "boolean"
	SettingString  = "string"
	SettingInt     = "int"
	SettingSelect  = "select"
	// SettingMultiSelect's value is a list of the keys of its Values.
	SettingMultiSelect = "multiSelect"
	SettingCode        = "code"
	SettingColor       = "color"
	SettingAction      = "action"
	SettingAsset       = "asset"
	SettingPass        = "password"
)

// SettingOption is one choice of a select setting.
type SettingOption struct {
	Key       string `json:"key"`
	I18nLabel string `json:"i18nLabel"`
}

// Setting is a document of rocketchat_settings. Value holds a bool, string, int64 or
// float64 according to Type.
type Setting struct {
	ID               string          `json:"_id"`
	Type             string          `json:"type"`
	Value            any             `json:"value"`
	PackageValue     any             `json:"packageValue"`
	Public           bool            `json:"public"`
	Blocked          bool            `json:"blocked"`
	Hidden           bool            `json:"hidden"`
	Group            string          `json:"group,omitempty"`
	Section          string          `json:"section,omitempty"`
	I18nLabel        string          `json:"i18nLabel,omitempty"`
	I18nDescription  string          `json:"i18nDescription,omitempty"`
	Sorter           int             `json:"sorter"`
	Values           []SettingOption `json:"values,omitempty"`
	Enterprise       bool            `json:"enterprise,omitempty"`
	RequiredOnWizard bool            `json:"requiredOnWizard,omitempty"`
	ValueSource      string          `json:"valueSource"`
	Ts               time.Time       `json:"ts"`
	CreatedAt        time.Time       `json:"createdAt"`
	UpdatedAt        time.Time       `json:"_updatedAt"`
}
