package rest

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/outpostchat/outpost/app/model"
)

// SettingsAdmin reads and changes any setting; settings.Service satisfies it.
type SettingsAdmin interface {
	Get(id string) (model.Setting, bool)
	Set(ctx context.Context, actor model.Actor, id string, value any) error
}

// settingGet serves GET /api/v1/settings/{id}: {_id, value} for users who may see
// privileged settings.
func (a *api) settingGet(w http.ResponseWriter, r *http.Request) error {
	actor := actorOf(r)
	if !a.Authz.Can(r.Context(), actor, "view-privileged-setting", "") {
		return model.Forbidden("error-unauthorized")
	}
	st, ok := a.SettingsAdmin.Get(r.PathValue("id"))
	if !ok || st.Hidden {
		return model.NotFound("", "")
	}
	return WriteSuccess(w, map[string]any{"_id": st.ID, "value": st.Value})
}

// settingSet serves POST /api/v1/settings/{id} {value}: changes one setting.
func (a *api) settingSet(w http.ResponseWriter, r *http.Request) error {
	actor := actorOf(r)
	if !a.Authz.Can(r.Context(), actor, "edit-privileged-setting", "") {
		return model.Forbidden("error-unauthorized")
	}
	var body struct {
		Value json.RawMessage `json:"value"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	if len(body.Value) == 0 {
		return model.Invalid(codeInvalidParams, "must have required property 'value'")
	}
	var v any
	if err := json.Unmarshal(body.Value, &v); err != nil {
		return model.Invalid(codeInvalidParams, "value must be JSON")
	}
	if err := a.SettingsAdmin.Set(r.Context(), actor, r.PathValue("id"), v); err != nil {
		return err
	}
	return WriteSuccess(w, nil)
}
