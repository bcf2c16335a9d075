package player

// Page is one HTML page of the web UI and the route that serves it.
type Page struct {
	Route string
	File  string
}

// Pages are the routes of the web UI, each answered with a page from FS().
var Pages = []Page{
	{"/watch/:id", "watch.html"},
	{"/upload", "upload.html"},
}

// Home is where / redirects.
const Home = "/upload"
