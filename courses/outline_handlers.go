package courses

import (
	"context"
	"fmt"
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/lectern/lectern/internal/httpapp"
)

// checkPrerequisites fails with 422 when the course's prerequisites, as
// the request has left them, can never all be met. The request's
// transaction then rolls the change back.
func (h *Handlers) checkPrerequisites(ctx context.Context, courseID, field string) error {
	modules, err := h.Store.Outline(ctx, courseID, false)
	if err != nil {
		return err
	}
	if prerequisiteCycle(modules) {
		return httpapp.Unprocessable(field, "this would make prerequisites circular: some lesson would wait for itself")
	}
	return nil
}

// prerequisites checks a body's list of prerequisite ids: items of kind in
// the course, not self.
func (h *Handlers) prerequisites(ctx context.Context, kind Item, courseID, self string, ids []string) ([]string, error) {
	ids, err := httpapp.IDs("prerequisites", ids)
	if err != nil {
		return nil, err
	}
	if slices.Contains(ids, self) {
		return nil, httpapp.Unprocessable("prerequisites", "cannot require itself")
	}
	n, err := h.Store.CountIn(ctx, kind, courseID, ids)
	if err != nil {
		return nil, err
	}
	if n != len(ids) {
		return nil, httpapp.Unprocessable("prerequisites", "every prerequisite must be one of this course's %s", kind)
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
	r, err := h.editable(c)
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
	ctx := c.UserContext()
	if err := h.Store.Lock(ctx, r.CourseID); err != nil {
		return err
	}
	current, err := h.Store.Outline(ctx, r.CourseID, false)
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
			return httpapp.Unprocessable("modules", "item %d: %q is not a module of this course", i, m.ID)
		}
		if seen[id.String()] {
			return httpapp.Unprocessable("modules", "lists module %s twice", id)
		}
		seen[id.String()] = true
		modules = append(modules, id.String())
		for j, lid := range m.Lessons {
			l, err := uuid.Parse(lid)
			if err != nil || !haveLessons[l.String()] {
				return httpapp.Unprocessable("modules", "module %s, lesson %d: %q is not a lesson of this course", id, j, lid)
			}
			if seen[l.String()] {
				return httpapp.Unprocessable("modules", "lists lesson %s twice", l)
			}
			seen[l.String()] = true
			lessons, lessonModules = append(lessons, l.String()), append(lessonModules, id.String())
			positions = append(positions, int32(j+1))
		}
	}
	if len(modules) != len(haveModules) || len(lessons) != len(haveLessons) {
		return httpapp.Unprocessable("modules", "must list all %d modules and %d lessons of the course (got %d and %d)",
			len(haveModules), len(haveLessons), len(modules), len(lessons))
	}
	if err := h.Store.Reorder(ctx, r.CourseID, modules, lessons, lessonModules, positions); err != nil {
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
	r, err := h.editable(c)
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
	title, err := httpapp.Text("title", *req.Title, 1, 200)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := h.Store.Lock(ctx, r.CourseID); err != nil {
		return err
	}
	var requires []string
	if req.Prerequisites != nil {
		if requires, err = h.prerequisites(ctx, Modules, r.CourseID, "", *req.Prerequisites); err != nil {
			return err
		}
	}
	id, err := h.Store.CreateModule(ctx, r.CourseID, title)
	if err != nil {
		return err
	}
	if len(requires) > 0 {
		if err := h.Store.SetPrerequisites(ctx, Modules, id, requires); err != nil {
			return err
		}
	}
	m, err := h.Store.Module(ctx, r.CourseID, id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}

// itemChange starts a change to the module or lesson the path names: the
// caller must be able to edit the course, the body (when there is one) is
// decoded into req, and the course is locked for the rest of the request.
func (h *Handlers) itemChange(c *fiber.Ctx, kind Item, req any) (*Relation, string, error) {
	r, err := h.editable(c)
	if err != nil {
		return nil, "", err
	}
	if req != nil {
		if err := httpapp.ParseJSON(c, req); err != nil {
			return nil, "", err
		}
	}
	id, err := httpapp.PathID(c, kind.one()+"_id", kind.one(), ErrNotFound)
	if err != nil {
		return nil, "", err
	}
	if err := h.Store.Lock(c.UserContext(), r.CourseID); err != nil {
		return nil, "", err
	}
	return r, id, nil
}

func (h *Handlers) patchModule(c *fiber.Ctx) error {
	var req moduleReq
	r, id, err := h.itemChange(c, Modules, &req)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if _, err := h.Store.Module(ctx, r.CourseID, id); err != nil {
		return err
	}
	if req.Title != nil {
		title, err := httpapp.Text("title", *req.Title, 1, 200)
		if err != nil {
			return err
		}
		if err := h.Store.RenameModule(ctx, id, title); err != nil {
			return err
		}
	}
	if req.Prerequisites != nil {
		if err := h.replacePrerequisites(ctx, Modules, r.CourseID, id, *req.Prerequisites); err != nil {
			return err
		}
	}
	m, err := h.Store.Module(ctx, r.CourseID, id)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (h *Handlers) deleteModule(c *fiber.Ctx) error {
	return h.deleteItem(c, Modules)
}

// replacePrerequisites sets what a module or lesson requires and checks
// that the course's prerequisites still form no cycle.
func (h *Handlers) replacePrerequisites(ctx context.Context, kind Item, courseID, id string, list []string) error {
	requires, err := h.prerequisites(ctx, kind, courseID, id, list)
	if err != nil {
		return err
	}
	if err := h.Store.SetPrerequisites(ctx, kind, id, requires); err != nil {
		return err
	}
	return h.checkPrerequisites(ctx, courseID, "prerequisites")
}

// deleteItem deletes the module or lesson the path names and brings the
// learners' stored progress up to date.
func (h *Handlers) deleteItem(c *fiber.Ctx, kind Item) error {
	r, id, err := h.itemChange(c, kind, nil)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := h.Store.Delete(ctx, kind, r.CourseID, id); err != nil {
		return err
	}
	if err := h.Learners.OutlineChanged(ctx, r.CourseID); err != nil {
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
func (h *Handlers) video(ctx context.Context, v string) (string, error) {
	id, err := httpapp.ID("video_id", v)
	if err != nil {
		return "", err
	}
	st, err := h.Store.VideoStatus(ctx, id)
	if err != nil {
		return "", err
	}
	switch st {
	case "":
		return "", httpapp.Unprocessable("video_id", "no video %s in this organization", id)
	case "ready":
		return id, nil
	}
	return "", httpapp.Unprocessable("video_id", "video %s is %s; a lesson needs a ready video", id, st)
}

// applyBody validates and renders a lesson's Markdown body.
func applyBody(l *Lesson, body string) error {
	body, err := httpapp.Multiline("body", body, maxBody)
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
	r, err := h.editable(c)
	if err != nil {
		return err
	}
	var req lessonReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	l := &Lesson{}
	switch {
	case req.ModuleID == nil:
		return httpapp.Invalid("module_id", "is required")
	case req.Title == nil:
		return httpapp.Invalid("title", "is required")
	case req.Kind == nil:
		return httpapp.Invalid("kind", "is required")
	case *req.Kind != "video" && *req.Kind != "text" && *req.Kind != "quiz":
		return httpapp.Invalid("kind", "must be video, text or quiz")
	case *req.Kind == "video" && req.VideoID == nil:
		return httpapp.Invalid("video_id", "is required for a video lesson")
	case *req.Kind != "video" && req.VideoID != nil:
		return httpapp.Invalid("video_id", "a %s lesson has no video", *req.Kind)
	}
	l.Kind = *req.Kind
	if l.Title, err = httpapp.Text("title", *req.Title, 1, 200); err != nil {
		return err
	}
	body := ""
	if req.Body != nil {
		body = *req.Body
	}
	if err := applyBody(l, body); err != nil {
		return err
	}
	if l.ModuleID, err = httpapp.ID("module_id", *req.ModuleID); err != nil {
		return err
	}
	if err := h.Store.Lock(ctx, r.CourseID); err != nil {
		return err
	}
	if n, err := h.Store.CountIn(ctx, Modules, r.CourseID, []string{l.ModuleID}); err != nil {
		return err
	} else if n == 0 {
		return httpapp.Unprocessable("module_id", "no module %s in this course", l.ModuleID)
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
		if requires, err = h.prerequisites(ctx, Lessons, r.CourseID, "", *req.Prerequisites); err != nil {
			return err
		}
	}
	id, err := h.Store.CreateLesson(ctx, r.CourseID, l)
	if err != nil {
		return err
	}
	if len(requires) > 0 {
		if err := h.Store.SetPrerequisites(ctx, Lessons, id, requires); err != nil {
			return err
		}
		if err := h.checkPrerequisites(ctx, r.CourseID, "prerequisites"); err != nil {
			return err
		}
	}
	if err := h.Learners.OutlineChanged(ctx, r.CourseID); err != nil {
		return err
	}
	out, err := h.Store.Lesson(ctx, r.CourseID, id)
	if err != nil {
		return err
	}
	h.presentVideo(out)
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (h *Handlers) patchLesson(c *fiber.Ctx) error {
	var req lessonReq
	r, id, err := h.itemChange(c, Lessons, &req)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	l, err := h.Store.Lesson(ctx, r.CourseID, id)
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
		if l.Title, err = httpapp.Text("title", *req.Title, 1, 200); err != nil {
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
	if err := h.Store.UpdateLesson(ctx, l); err != nil {
		return err
	}
	if req.Prerequisites != nil {
		if err := h.replacePrerequisites(ctx, Lessons, r.CourseID, id, *req.Prerequisites); err != nil {
			return err
		}
	}
	out, err := h.Store.Lesson(ctx, r.CourseID, id)
	if err != nil {
		return err
	}
	h.presentVideo(out)
	return c.JSON(out)
}

func (h *Handlers) deleteLesson(c *fiber.Ctx) error {
	return h.deleteItem(c, Lessons)
}
