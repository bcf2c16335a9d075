package courses

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

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
		if c.Title, err = httpapp.Text("title", *req.Title, 1, 200); err != nil {
			return err
		}
	}
	if req.Summary != nil {
		if c.Summary, err = httpapp.Multiline("summary", *req.Summary, 1000); err != nil {
			return err
		}
	}
	if req.Description != nil {
		if c.Description, err = httpapp.Multiline("description", *req.Description, maxDescription); err != nil {
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
			t, err := httpapp.Text("tags", strings.ToLower(t), 1, 50)
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
		return httpapp.Unprocessable("status", "a new course has no lessons: create it as a draft and publish it once it has some")
	}
	ctx := c.UserContext()
	id, err := h.Store.CreateCourse(ctx, course, auth.From(ctx).UserID)
	if err != nil {
		return err
	}
	out, err := h.Store.Course(ctx, id)
	if err != nil {
		return err
	}
	out.Modules = []*Module{}
	c.Location("/api/v1/courses/" + id)
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (h *Handlers) getCourse(c *fiber.Ctx) error {
	r, err := h.relation(c)
	if err != nil {
		return err
	}
	out, err := h.present(c.UserContext(), r)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// presentVideo turns a video lesson's object keys into CDN URLs signed for
// the caller.
func (h *Handlers) presentVideo(l *Lesson) {
	if l.Video == nil {
		return
	}
	l.Video.Player = h.PublicURL + "/watch/" + l.Video.ID
	l.Video.HLS, l.Video.DASH, l.Video.Poster = h.media(l.Video.Keys.HLS), h.media(l.Video.Keys.DASH), h.media(l.Video.Keys.Poster)
}

// present is a course with its outline as the caller may see it: staff get
// the lessons' Markdown, an enrolled learner each lesson's progress and
// lock.
func (h *Handlers) present(ctx context.Context, r *Relation) (*Course, error) {
	course, err := h.Store.Course(ctx, r.CourseID)
	if err != nil {
		return nil, err
	}
	if course.Modules, err = h.Store.Outline(ctx, r.CourseID, true); err != nil {
		return nil, err
	}
	// Media URLs come only from a lesson's playback, to those allowed to
	// watch, for what they have unlocked: learners get none here, and a
	// text lesson's body only once they may open it.
	bodies := map[string]string{}
	for _, m := range course.Modules {
		for _, l := range m.Lessons {
			if r.CanEdit() {
				h.presentVideo(l)
				continue
			}
			bodies[l.ID] = l.BodyHTML
			l.Body, l.BodyHTML = nil, ""
		}
	}
	if r.Enrolled() {
		statuses, err := h.Learners.LessonStatuses(ctx, r.CourseID, auth.From(ctx).UserID)
		if err != nil {
			return nil, err
		}
		p := ComputeProgress(course.Modules, statuses)
		byID := make(map[string]LessonState, len(p.Lessons))
		for _, s := range p.Lessons {
			byID[s.LessonID] = s
		}
		for _, m := range course.Modules {
			for _, l := range m.Lessons {
				s := byID[l.ID]
				l.Progress, l.Locked = s.Status, &s.Locked
				if !s.Locked && !r.CanEdit() {
					l.BodyHTML = bodies[l.ID]
				}
			}
		}
	}
	return course, nil
}

func (h *Handlers) patchCourse(c *fiber.Ctx) error {
	r, err := h.editable(c)
	if err != nil {
		return err
	}
	var req courseReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := h.Store.Lock(ctx, r.CourseID); err != nil {
		return err
	}
	course, err := h.Store.Course(ctx, r.CourseID)
	if err != nil {
		return err
	}
	was := course.Status
	if err := req.apply(course); err != nil {
		return err
	}
	if course.Status == "published" && was != "published" && course.LessonCount == 0 {
		return httpapp.Unprocessable("status", "a course needs at least one lesson to be published")
	}
	if course.Status == "draft" && was != "draft" {
		if n, err := h.Learners.HasEnrollments(ctx, r.CourseID); err != nil {
			return err
		} else if n {
			return fmt.Errorf("course %s has enrollments and cannot return to draft (archive it instead): %w", r.CourseID, ErrConflict)
		}
	}
	if err := h.Store.UpdateCourse(ctx, course); err != nil {
		return err
	}
	if course, err = h.Store.Course(ctx, r.CourseID); err != nil {
		return err
	}
	return c.JSON(course)
}

func (h *Handlers) deleteCourse(c *fiber.Ctx) error {
	r, err := h.editable(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if r.Status != "draft" {
		return fmt.Errorf("course %s is %s; only a draft may be deleted (archive it instead): %w", r.CourseID, r.Status, ErrConflict)
	}
	if n, err := h.Learners.HasEnrollments(ctx, r.CourseID); err != nil {
		return err
	} else if n {
		return fmt.Errorf("course %s has enrollments: %w", r.CourseID, ErrConflict)
	}
	if err := h.Store.DeleteCourse(ctx, r.CourseID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// getCourses lists the courses an admin manages (all of them) or an
// instructor teaches, newest first.
func (h *Handlers) getCourses(c *fiber.Ctx) error {
	pr, err := httpapp.ParsePage(c, httpapp.KeyTime, httpapp.KeyID)
	if err != nil {
		return err
	}
	f := CourseFilter{Limit: pr.Limit, Status: strings.Clone(c.Query("status")), After: pr.After}
	if f.Status != "" && !slices.Contains([]string{"draft", "published", "archived"}, f.Status) {
		return httpapp.Invalid("status", "must be draft, published or archived")
	}
	ctx := c.UserContext()
	if p := auth.From(ctx); !p.Has(auth.Admin) {
		f.TaughtBy = p.UserID
	}
	cs, err := h.Store.Courses(ctx, f)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(cs, pr.Limit, func(c *Course) []string {
		return []string{httpapp.TimeKey(c.CreatedAt), c.ID}
	}))
}
