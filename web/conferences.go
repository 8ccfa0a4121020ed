package web

// conferenceRoutes are the pages and API of the seasonal health press
// conferences (时令节气与健康): the plan and record, the public page and the
// iCalendar feed.
func (s *Server) conferenceRoutes() []route {
	return nil
}
