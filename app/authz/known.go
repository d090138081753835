package authz

// PermissionExists reports whether a permission with the id is defined. Callers that
// check optional permissions (the admin console's change-setting-<id>, which Outpost
// does not create by default) ask first, so that Can's warning about unknown
// permissions is kept for real mistakes.
func (s *Service) PermissionExists(id string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.byPerm[id]
	return ok
}
