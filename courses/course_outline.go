package courses

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/lectern/lectern/internal/httpapp"
)

// checkPrerequisites fails with 422 when the course's prerequisites, as
// the request has left them, can never all be met. The request's
// transaction then rolls the change back.
func (h *Handlers) checkPrerequisites(ctx context.Context, courseID, field string) error {
	modules, err := h.loadOutline(ctx, courseID, false)
	if err != nil {
		return err
	}
	if prerequisiteCycle(modules) {
		return unprocessable(field, "this would make prerequisites circular: some lesson would wait for itself")
	}
	return nil
}

// prerequisites checks a body's list of prerequisite ids: rows of table in
// the course, not self.
func (h *Handlers) prerequisites(ctx context.Context, table, courseID, self string, ids []string) ([]string, error) {
	ids, err := uuids("prerequisites", ids)
	if err != nil {
		return nil, err
	}
	if slices.Contains(ids, self) {
		return nil, unprocessable("prerequisites", "cannot require itself")
	}
	n, err := h.countIn(ctx, table, courseID, ids)
	if err != nil {
		return nil, err
	}
	if n != len(ids) {
		return nil, unprocessable("prerequisites", "every prerequisite must be one of this course's %s", table)
	}
	return ids, nil
}

type outlineReq struct {
	Modules []struct {
		ID      string   `json:"id"`
		Lessons []string `json:"lessons"`
	} `json:"modules"`
}

// putOutline reorders a course: modules in the order listed, each with the
// lessons listed under it (a lesson may move to another module). The body
// must list every module and every lesson of the course exactly once.
func (h *Handlers) putOutline(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r, err := h.editable(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	var req outlineReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	if req.Modules == nil {
		return httpapp.Invalid("modules", "is required")
	}
	if err := h.lockCourse(ctx, r.CourseID); err != nil {
		return err
	}
	current, err := h.loadOutline(ctx, r.CourseID, false)
	if err != nil {
		return err
	}
	haveModules, haveLessons := map[string]bool{}, map[string]bool{}
	for _, m := range current {
		haveModules[m.ID] = true
		for _, l := range m.Lessons {
			haveLessons[l.ID] = true
		}
	}
	var modules, lessons, lessonModules []string
	var positions []int32
	seen := map[string]bool{}
	for i, m := range req.Modules {
		id, err := uuid.Parse(m.ID)
		if err != nil || !haveModules[id.String()] {
			return unprocessable("modules", "item %d: %q is not a module of this course", i, m.ID)
		}
		if seen[id.String()] {
			return unprocessable("modules", "lists module %s twice", id)
		}
		seen[id.String()] = true
		modules = append(modules, id.String())
		for j, lid := range m.Lessons {
			l, err := uuid.Parse(lid)
			if err != nil || !haveLessons[l.String()] {
				return unprocessable("modules", "module %s, lesson %d: %q is not a lesson of this course", id, j, lid)
			}
			if seen[l.String()] {
				return unprocessable("modules", "lists lesson %s twice", l)
			}
			seen[l.String()] = true
			lessons, lessonModules = append(lessons, l.String()), append(lessonModules, id.String())
			positions = append(positions, int32(j+1))
		}
	}
	if len(modules) != len(haveModules) || len(lessons) != len(haveLessons) {
		return unprocessable("modules", "must list all %d modules and %d lessons of the course (got %d and %d)",
			len(haveModules), len(haveLessons), len(modules), len(lessons))
	}
	if err := h.reorder(ctx, r.CourseID, modules, lessons, lessonModules, positions); err != nil {
		return err
	}
	if err := h.checkPrerequisites(ctx, r.CourseID, "modules"); err != nil {
		return err
	}
	out, err := h.present(ctx, r)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

type moduleReq struct {
	Title         *string   `json:"title"`
	Prerequisites *[]string `json:"prerequisites"`
}

func (h *Handlers) createModule(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r, err := h.editable(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	var req moduleReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	if req.Title == nil {
		return httpapp.Invalid("title", "is required")
	}
	title, err := text("title", *req.Title, 1, 200, false)
	if err != nil {
		return err
	}
	if err := h.lockCourse(ctx, r.CourseID); err != nil {
		return err
	}
	var requires []string
	if req.Prerequisites != nil {
		if requires, err = h.prerequisites(ctx, "modules", r.CourseID, "", *req.Prerequisites); err != nil {
			return err
		}
	}
	id, err := h.insertModule(ctx, r.CourseID, title)
	if err != nil {
		return err
	}
	if len(requires) > 0 {
		if err := h.setPrerequisites(ctx, "module", id, requires); err != nil {
			return err
		}
	}
	m, err := h.loadModule(ctx, r.CourseID, id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}

func (h *Handlers) patchModule(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r, err := h.editable(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	var req moduleReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	id, err := param(c, "module_id", "module")
	if err != nil {
		return err
	}
	if err := h.lockCourse(ctx, r.CourseID); err != nil {
		return err
	}
	if _, err := h.loadModule(ctx, r.CourseID, id); err != nil {
		return err
	}
	if req.Title != nil {
		title, err := text("title", *req.Title, 1, 200, false)
		if err != nil {
			return err
		}
		if err := h.renameModule(ctx, id, title); err != nil {
			return err
		}
	}
	if req.Prerequisites != nil {
		if err := h.replacePrerequisites(ctx, "modules", r.CourseID, id, *req.Prerequisites); err != nil {
			return err
		}
	}
	m, err := h.loadModule(ctx, r.CourseID, id)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (h *Handlers) deleteModule(c *fiber.Ctx) error {
	return h.deleteItem(c, "modules", "module_id", "module")
}

// replacePrerequisites sets what a module or lesson (table) requires and
// checks that the course's prerequisites still form no cycle.
func (h *Handlers) replacePrerequisites(ctx context.Context, table, courseID, id string, list []string) error {
	requires, err := h.prerequisites(ctx, table, courseID, id, list)
	if err != nil {
		return err
	}
	if err := h.setPrerequisites(ctx, strings.TrimSuffix(table, "s"), id, requires); err != nil {
		return err
	}
	return h.checkPrerequisites(ctx, courseID, "prerequisites")
}

// deleteItem deletes the module or lesson (table) named by the path
// parameter and brings the enrollments' stored progress up to date.
func (h *Handlers) deleteItem(c *fiber.Ctx, table, paramName, what string) error {
	ctx := c.UserContext()
	r, err := h.editable(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	id, err := param(c, paramName, what)
	if err != nil {
		return err
	}
	if err := h.lockCourse(ctx, r.CourseID); err != nil {
		return err
	}
	if err := h.deleteIn(ctx, table, r.CourseID, id); err != nil {
		return err
	}
	if err := h.refreshEnrollments(ctx, r.CourseID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type lessonReq struct {
	ModuleID      *string   `json:"module_id"`
	Title         *string   `json:"title"`
	Kind          *string   `json:"kind"`
	VideoID       *string   `json:"video_id"`
	Body          *string   `json:"body"`
	Prerequisites *[]string `json:"prerequisites"`
}

// video checks a lesson's video: a video of the organization, ready to
// play. Another organization's video is invisible, so unknown.
func (h *Handlers) video(ctx context.Context, id string) (string, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return "", httpapp.Invalid("video_id", "is not an id")
	}
	st, err := h.videoStatus(ctx, u.String())
	if err != nil {
		return "", err
	}
	switch st {
	case "":
		return "", unprocessable("video_id", "no video %s in this organization", u)
	case "ready":
		return u.String(), nil
	}
	return "", unprocessable("video_id", "video %s is %s; a lesson needs a ready video", u, st)
}

// applyBody validates and renders a lesson's Markdown body.
func applyBody(l *Lesson, body string) error {
	body, err := text("body", body, 0, maxBody, true)
	if err != nil {
		return err
	}
	if l.BodyHTML, err = renderMarkdown(body); err != nil {
		return fmt.Errorf("render lesson body: %w", err)
	}
	l.Body = &body
	return nil
}

func (h *Handlers) createLesson(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r, err := h.editable(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	var req lessonReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	l := &Lesson{}
	switch {
	case req.ModuleID == nil:
		return httpapp.Invalid("module_id", "is required")
	case req.Title == nil:
		return httpapp.Invalid("title", "is required")
	case req.Kind == nil:
		return httpapp.Invalid("kind", "is required")
	case *req.Kind != "video" && *req.Kind != "text":
		return httpapp.Invalid("kind", "must be video or text")
	case *req.Kind == "video" && req.VideoID == nil:
		return httpapp.Invalid("video_id", "is required for a video lesson")
	case *req.Kind == "text" && req.VideoID != nil:
		return httpapp.Invalid("video_id", "a text lesson has no video")
	}
	l.Kind = *req.Kind
	if l.Title, err = text("title", *req.Title, 1, 200, false); err != nil {
		return err
	}
	body := ""
	if req.Body != nil {
		body = *req.Body
	}
	if err := applyBody(l, body); err != nil {
		return err
	}
	mid, err := uuid.Parse(*req.ModuleID)
	if err != nil {
		return httpapp.Invalid("module_id", "is not an id")
	}
	l.ModuleID = mid.String()
	if err := h.lockCourse(ctx, r.CourseID); err != nil {
		return err
	}
	if n, err := h.countIn(ctx, "modules", r.CourseID, []string{l.ModuleID}); err != nil {
		return err
	} else if n == 0 {
		return unprocessable("module_id", "no module %s in this course", l.ModuleID)
	}
	if l.Kind == "video" {
		vid, err := h.video(ctx, *req.VideoID)
		if err != nil {
			return err
		}
		l.VideoID = &vid
	}
	var requires []string
	if req.Prerequisites != nil {
		if requires, err = h.prerequisites(ctx, "lessons", r.CourseID, "", *req.Prerequisites); err != nil {
			return err
		}
	}
	id, err := h.insertLesson(ctx, r.CourseID, l, *l.Body)
	if err != nil {
		return err
	}
	if len(requires) > 0 {
		if err := h.setPrerequisites(ctx, "lesson", id, requires); err != nil {
			return err
		}
		if err := h.checkPrerequisites(ctx, r.CourseID, "prerequisites"); err != nil {
			return err
		}
	}
	if err := h.refreshEnrollments(ctx, r.CourseID); err != nil {
		return err
	}
	out, err := h.loadLesson(ctx, r.CourseID, id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (h *Handlers) patchLesson(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r, err := h.editable(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	var req lessonReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	id, err := param(c, "lesson_id", "lesson")
	if err != nil {
		return err
	}
	if err := h.lockCourse(ctx, r.CourseID); err != nil {
		return err
	}
	l, err := h.loadLesson(ctx, r.CourseID, id)
	if err != nil {
		return err
	}
	switch {
	case req.Kind != nil && *req.Kind != l.Kind:
		return httpapp.Invalid("kind", "cannot change; create a new lesson instead")
	case req.ModuleID != nil && *req.ModuleID != l.ModuleID:
		return httpapp.Invalid("module_id", "cannot change here; move the lesson with PUT /courses/{id}/outline")
	case req.VideoID != nil && l.Kind != "video":
		return httpapp.Invalid("video_id", "a text lesson has no video")
	}
	if req.Title != nil {
		if l.Title, err = text("title", *req.Title, 1, 200, false); err != nil {
			return err
		}
	}
	if req.Body != nil {
		if err := applyBody(l, *req.Body); err != nil {
			return err
		}
	}
	if req.VideoID != nil {
		vid, err := h.video(ctx, *req.VideoID)
		if err != nil {
			return err
		}
		l.VideoID = &vid
	}
	if err := h.updateLesson(ctx, l); err != nil {
		return err
	}
	if req.Prerequisites != nil {
		if err := h.replacePrerequisites(ctx, "lessons", r.CourseID, id, *req.Prerequisites); err != nil {
			return err
		}
	}
	out, err := h.loadLesson(ctx, r.CourseID, id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *Handlers) deleteLesson(c *fiber.Ctx) error {
	return h.deleteItem(c, "lessons", "lesson_id", "lesson")
}
