package web

// lectureRoutes are the pages and API of the mental-health lecture log and
// its quotas.
func (s *Server) lectureRoutes() []route {
	return nil
}
