package courses

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

// registerCourses mounts courses, their outline, staff and learners'
// progress. Route guards check the role and token scope; who the caller is
// to the course (Relation) decides the rest: 404 when they may not see it,
// 403 when they may see but not change it.
func (h *Handlers) registerCourses(r fiber.Router) {
	member := auth.Require("courses")
	author := auth.Require("courses", auth.Admin, auth.Instructor)
	// Ops never see progress, nor record any.
	learner := auth.Require("courses", auth.Admin, auth.Instructor, auth.Learner)
	r.Get("/catalog", member, h.getCatalog)
	r.Get("/courses", author, h.getCourses)
	r.Post("/courses", author, h.createCourse)
	r.Get("/courses/:id", member, h.getCourse)
	r.Patch("/courses/:id", member, h.patchCourse)
	r.Delete("/courses/:id", member, h.deleteCourse)
	r.Put("/courses/:id/outline", member, h.putOutline)
	r.Post("/courses/:id/modules", member, h.createModule)
	r.Patch("/courses/:id/modules/:module_id", member, h.patchModule)
	r.Delete("/courses/:id/modules/:module_id", member, h.deleteModule)
	r.Post("/courses/:id/lessons", member, h.createLesson)
	r.Patch("/courses/:id/lessons/:lesson_id", member, h.patchLesson)
	r.Delete("/courses/:id/lessons/:lesson_id", member, h.deleteLesson)
	r.Get("/courses/:id/instructors", member, h.getInstructors)
	r.Post("/courses/:id/instructors", member, h.addInstructor)
	r.Delete("/courses/:id/instructors/:user_id", member, h.removeInstructor)
	r.Get("/courses/:id/progress", learner, h.getProgress)
	r.Post("/courses/:id/lessons/:lesson_id/progress", learner, h.postProgress)
}

// unprocessable is a 422 naming the field whose value conflicts with the
// course (an unknown id, a cycle, a video not ready).
func unprocessable(field, format string, args ...any) *httpapp.Error {
	return &httpapp.Error{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Field: field,
		Message: field + ": " + fmt.Sprintf(format, args...)}
}

// param returns a path parameter that must be a UUID; anything else names
// nothing (404).
func param(c *fiber.Ctx, name, what string) (string, error) {
	v := c.Params(name)
	if _, err := uuid.Parse(v); err != nil {
		return "", fmt.Errorf("%s %q: %w", what, v, ErrNotFound)
	}
	return strings.Clone(v), nil
}

// uuids checks a list of ids in a body: each a UUID, none twice.
func uuids(field string, ids []string) ([]string, error) {
	out := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for i, id := range ids {
		u, err := uuid.Parse(id)
		if err != nil {
			return nil, httpapp.Invalid(field, "item %d (%q) is not an id", i, id)
		}
		s := u.String()
		if seen[s] {
			return nil, httpapp.Invalid(field, "lists %s twice", s)
		}
		seen[s] = true
		out = append(out, s)
	}
	return out, nil
}

// text trims a string field and checks its length in characters and that
// it has no control characters (newlines allowed when multiline).
func text(field, v string, minLen, maxLen int, multiline bool) (string, error) {
	if !multiline {
		v = strings.TrimSpace(v)
	}
	n := utf8.RuneCountInString(v)
	switch {
	case !utf8.ValidString(v):
		return "", httpapp.Invalid(field, "is not valid UTF-8")
	case minLen > 0 && n == 0:
		return "", httpapp.Invalid(field, "is required")
	case n > maxLen:
		return "", httpapp.Invalid(field, "must be at most %d characters, got %d", maxLen, n)
	}
	for _, r := range v {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return "", httpapp.Invalid(field, "must not contain control characters")
		}
	}
	return v, nil
}

var languageTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)

type courseReq struct {
	Title       *string   `json:"title"`
	Summary     *string   `json:"summary"`
	Description *string   `json:"description"`
	Tags        *[]string `json:"tags"`
	Language    *string   `json:"language"`
	Status      *string   `json:"status"`
	Enrollment  *string   `json:"enrollment"`
}

// apply validates the fields present in req and sets them on c.
func (req *courseReq) apply(c *Course) error {
	var err error
	if req.Title != nil {
		if c.Title, err = text("title", *req.Title, 1, 200, false); err != nil {
			return err
		}
	}
	if req.Summary != nil {
		if c.Summary, err = text("summary", *req.Summary, 0, 1000, true); err != nil {
			return err
		}
	}
	if req.Description != nil {
		if c.Description, err = text("description", *req.Description, 0, maxDescription, true); err != nil {
			return err
		}
		if c.DescriptionHTML, err = renderMarkdown(c.Description); err != nil {
			return fmt.Errorf("render description: %w", err)
		}
	}
	if req.Tags != nil {
		if len(*req.Tags) > 20 {
			return httpapp.Invalid("tags", "at most 20 tags")
		}
		c.Tags = []string{}
		for _, t := range *req.Tags {
			t, err := text("tags", strings.ToLower(t), 1, 50, false)
			if err != nil {
				return err
			}
			if !slices.Contains(c.Tags, t) {
				c.Tags = append(c.Tags, t)
			}
		}
	}
	if req.Language != nil {
		if !languageTag.MatchString(*req.Language) || len(*req.Language) > 35 {
			return httpapp.Invalid("language", "must be a language tag such as en or pt-BR")
		}
		c.Language = *req.Language
	}
	if req.Status != nil {
		if !slices.Contains([]string{"draft", "published", "archived"}, *req.Status) {
			return httpapp.Invalid("status", "must be draft, published or archived")
		}
		c.Status = *req.Status
	}
	if req.Enrollment != nil {
		if *req.Enrollment != "open" && *req.Enrollment != "invite" {
			return httpapp.Invalid("enrollment", "must be open or invite")
		}
		c.Enrollment = *req.Enrollment
	}
	return nil
}

func (h *Handlers) createCourse(c *fiber.Ctx) error {
	var req courseReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	if req.Title == nil {
		return httpapp.Invalid("title", "is required")
	}
	course := &Course{Tags: []string{}, Language: "en", Status: "draft", Enrollment: "open"}
	if err := req.apply(course); err != nil {
		return err
	}
	if course.Status != "draft" {
		return unprocessable("status", "a new course has no lessons: create it as a draft and publish it once it has some")
	}
	ctx := c.UserContext()
	id, err := h.insertCourse(ctx, course, auth.From(ctx).UserID)
	if err != nil {
		return err
	}
	out, err := h.loadCourse(ctx, id)
	if err != nil {
		return err
	}
	out.Modules = []*Module{}
	c.Location("/api/v1/courses/" + id)
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (h *Handlers) getCourse(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r, err := h.relation(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	out, err := h.present(ctx, r)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// enrolled reports whether the caller follows the course as a learner
// (ops-only users never see progress).
func enrolled(ctx context.Context, r *Relation) bool {
	return (r.Enrollment == "active" || r.Enrollment == Completed) &&
		auth.From(ctx).Has(auth.Admin, auth.Instructor, auth.Learner)
}

// present is a course with its outline as the caller may see it: staff get
// the lessons' Markdown, an enrolled learner each lesson's progress and
// lock.
func (h *Handlers) present(ctx context.Context, r *Relation) (*Course, error) {
	course, err := h.loadCourse(ctx, r.CourseID)
	if err != nil {
		return nil, err
	}
	if course.Modules, err = h.loadOutline(ctx, r.CourseID, true); err != nil {
		return nil, err
	}
	if !r.CanEdit() {
		for _, m := range course.Modules {
			for _, l := range m.Lessons {
				l.Body = nil
			}
		}
	}
	if enrolled(ctx, r) {
		statuses, err := h.lessonStatuses(ctx, r.CourseID, auth.From(ctx).UserID)
		if err != nil {
			return nil, err
		}
		p := computeProgress(course.Modules, statuses)
		byID := make(map[string]LessonState, len(p.Lessons))
		for _, s := range p.Lessons {
			byID[s.LessonID] = s
		}
		for _, m := range course.Modules {
			for _, l := range m.Lessons {
				s := byID[l.ID]
				l.Progress, l.Locked = s.Status, &s.Locked
			}
		}
	}
	return course, nil
}

func (h *Handlers) patchCourse(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r, err := h.editable(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	var req courseReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	if err := h.lockCourse(ctx, r.CourseID); err != nil {
		return err
	}
	course, err := h.loadCourse(ctx, r.CourseID)
	if err != nil {
		return err
	}
	was := course.Status
	if err := req.apply(course); err != nil {
		return err
	}
	if course.Status == "published" && was != "published" && course.LessonCount == 0 {
		return unprocessable("status", "a course needs at least one lesson to be published")
	}
	if course.Status == "draft" && was != "draft" {
		if n, err := h.hasEnrollments(ctx, r.CourseID); err != nil {
			return err
		} else if n {
			return fmt.Errorf("course %s has enrollments and cannot return to draft (archive it instead): %w", r.CourseID, ErrConflict)
		}
	}
	if err := h.updateCourse(ctx, course); err != nil {
		return err
	}
	if course, err = h.loadCourse(ctx, r.CourseID); err != nil {
		return err
	}
	return c.JSON(course)
}

func (h *Handlers) deleteCourse(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r, err := h.editable(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	if r.Status != "draft" {
		return fmt.Errorf("course %s is %s; only a draft may be deleted (archive it instead): %w", r.CourseID, r.Status, ErrConflict)
	}
	if n, err := h.hasEnrollments(ctx, r.CourseID); err != nil {
		return err
	} else if n {
		return fmt.Errorf("course %s has enrollments: %w", r.CourseID, ErrConflict)
	}
	if err := h.deleteCourseRow(ctx, r.CourseID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// getCourses lists the courses an admin manages (all of them) or an
// instructor teaches, newest first.
func (h *Handlers) getCourses(c *fiber.Ctx) error {
	pr, err := httpapp.ParsePage(c, 2)
	if err != nil {
		return err
	}
	f := courseFilter{Limit: pr.Limit, Status: c.Query("status")}
	if f.Status != "" && !slices.Contains([]string{"draft", "published", "archived"}, f.Status) {
		return httpapp.Invalid("status", "must be draft, published or archived")
	}
	if len(pr.After) == 2 {
		if _, err := time.Parse(time.RFC3339Nano, pr.After[0]); err != nil {
			return httpapp.Invalid("cursor", "is not a cursor this list returned")
		}
		if _, err := uuid.Parse(pr.After[1]); err != nil {
			return httpapp.Invalid("cursor", "is not a cursor this list returned")
		}
		f.After = pr.After
	}
	ctx := c.UserContext()
	if p := auth.From(ctx); !p.Has(auth.Admin) {
		f.TaughtBy = p.UserID
	}
	cs, err := h.listCourses(ctx, f)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(cs, pr.Limit, func(c *Course) []string {
		return []string{c.CreatedAt.Format(time.RFC3339Nano), c.ID}
	}))
}

// getCatalog lists the organization's published courses: with q, those
// matching it as a web-style search, best first.
func (h *Handlers) getCatalog(c *fiber.Ctx) error {
	pr, err := httpapp.ParsePage(c, 3)
	if err != nil {
		return err
	}
	f := catalogFilter{Limit: pr.Limit,
		Query: strings.TrimSpace(c.Query("q")), Tag: strings.ToLower(strings.TrimSpace(c.Query("tag"))),
		InstructorID: c.Query("instructor_id"), Language: c.Query("language")}
	switch {
	case utf8.RuneCountInString(f.Query) > 200:
		return httpapp.Invalid("q", "must be at most 200 characters")
	case utf8.RuneCountInString(f.Tag) > 50:
		return httpapp.Invalid("tag", "must be at most 50 characters")
	case len(f.Language) > 35:
		return httpapp.Invalid("language", "must be a language tag such as en or pt-BR")
	}
	if f.InstructorID != "" {
		if _, err := uuid.Parse(f.InstructorID); err != nil {
			return httpapp.Invalid("instructor_id", "is not an id")
		}
	}
	if len(pr.After) == 3 {
		_, rerr := strconv.ParseFloat(pr.After[0], 32)
		_, terr := time.Parse(time.RFC3339Nano, pr.After[1])
		_, uerr := uuid.Parse(pr.After[2])
		if rerr != nil || terr != nil || uerr != nil {
			return httpapp.Invalid("cursor", "is not a cursor this list returned")
		}
		f.After = pr.After
	}
	f.Query, f.Tag, f.Language = strings.Clone(f.Query), strings.Clone(f.Tag), strings.Clone(f.Language)
	f.InstructorID = strings.Clone(f.InstructorID)
	cs, err := h.catalog(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(cs, pr.Limit, func(e *CatalogEntry) []string {
		var pub string
		if e.PublishedAt != nil {
			pub = e.PublishedAt.Format(time.RFC3339Nano)
		}
		return []string{strconv.FormatFloat(float64(e.Rank), 'g', -1, 32), pub, e.ID}
	}))
}
