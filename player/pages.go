package player

// Page is one HTML page of the web UI and the route that serves it.
type Page struct {
	Route string
	File  string
}

// Pages are the routes of the web UI, each answered with a page from FS().
// The pages are clients of /api/v1 only: each asks GET /api/v1/me and sends a
// signed-out visitor to /login?next=<page>.
var Pages = []Page{
	{"/login", "login.html"},
	// learners
	{"/catalog", "catalog.html"},
	{"/courses/:id", "course.html"},
	{"/learn", "learn.html"},
	{"/learn/:course/:lesson", "lesson.html"},
	// instructors
	{"/teach", "teach.html"},
	{"/teach/courses/:id", "teach-course.html"},
	{"/teach/courses/:id/lessons/:lesson_id", "teach-lesson.html"},
	{"/teach/courses/:id/quizzes/:lesson_id", "teach-quiz.html"},
	{"/upload", "upload.html"},
	// administrators
	{"/admin", "admin.html"},
	// one video, full width
	{"/watch/:id", "watch.html"},
}

// Home is where / redirects: the catalog, which sends a signed-out visitor
// on to the sign-in page.
const Home = "/catalog"
