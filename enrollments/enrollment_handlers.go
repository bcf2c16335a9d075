package enrollments

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/courses"
	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

// parseDueAt reads a due date: RFC 3339 and in the future.
func parseDueAt(field, s string, now time.Time) (*time.Time, error) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return nil, httpapp.Invalid(field, "must be an RFC 3339 date-time such as 2030-01-31T17:00:00Z")
	}
	if !t.After(now) {
		return nil, httpapp.Invalid(field, "must be in the future")
	}
	return &t, nil
}

type enrollReq struct {
	UserID *string `json:"user_id"`
	Email  *string `json:"email"`
	DueAt  *string `json:"due_at"`
}

// enrollCreate enrolls the caller (body {}), or, for the course's staff,
// another user named by user_id or email. It is idempotent: an existing
// enrollment answers 200 as it is, a withdrawn one is reactivated (200),
// a new one is 201.
func (h *Handlers) enrollCreate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := auth.From(ctx)
	rel, err := h.relation(c)
	if err != nil {
		return err
	}
	courseID := rel.CourseID
	var req enrollReq
	if len(bytes.TrimSpace(c.Body())) > 0 {
		if err := httpapp.ParseJSON(c, &req); err != nil {
			return err
		}
	}
	now := h.Clock.Now()
	target, self := p.UserID, true
	switch {
	case req.UserID != nil && req.Email != nil:
		return httpapp.Invalid("user_id", "give user_id or email, not both")
	case req.UserID != nil:
		id, err := httpapp.ID("user_id", *req.UserID)
		if err != nil {
			return err
		}
		target, self = id, id == p.UserID
	case req.Email != nil:
		email, err := httpapp.Email("email", *req.Email)
		if err != nil {
			return err
		}
		self = email == httpapp.NormalizeEmail(p.Email)
		target = email
	}
	if !self && !rel.CanEdit() {
		return httpapp.Errorf(fiber.StatusForbidden, "forbidden", "only the course's instructors and admins may enroll other users")
	}
	var due *time.Time
	if req.DueAt != nil {
		if !rel.CanEdit() {
			return httpapp.Errorf(fiber.StatusForbidden, "forbidden", "only the course's instructors and admins may set a due date")
		}
		if due, err = parseDueAt("due_at", *req.DueAt, now); err != nil {
			return err
		}
	}
	if self {
		target = p.UserID
	} else {
		field, id, email := "user_id", target, ""
		if req.Email != nil {
			field, id, email = "email", "", target
		}
		u, err := h.Store.FindUser(ctx, id, email)
		if errors.Is(err, ErrNotFound) {
			return httpapp.Unprocessable(field, "no such user in this organization")
		}
		if err != nil {
			return err
		}
		if !u.Active {
			return httpapp.Unprocessable(field, "user is deactivated")
		}
		target = u.ID
	}

	existing, err := h.Store.Enrollment(ctx, courseID, target, now)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if existing != nil && existing.Status != "withdrawn" {
		return c.JSON(existing)
	}
	if rel.Status == "archived" {
		return fmt.Errorf("course %s is archived and takes no enrollments: %w", courseID, ErrConflict)
	}
	source := "self"
	switch {
	case !self && rel.Teaches:
		source = "instructor"
	case !self:
		source = "admin"
	}
	if !rel.CanEdit() {
		if rel.Status != "published" {
			return httpapp.Errorf(fiber.StatusForbidden, "not_published", "the course is not published yet")
		}
		if !rel.SelfEnroll {
			return httpapp.Errorf(fiber.StatusForbidden, "invite_only", "this course is by invitation: ask its instructor to enroll you")
		}
	}
	status := fiber.StatusOK
	if existing != nil {
		err = h.Store.Reactivate(ctx, courseID, target, due)
	} else {
		var by *string
		if !self {
			by = &p.UserID
		}
		var inserted bool
		inserted, err = h.Store.Enroll(ctx, courseID, target, source, by, due)
		if inserted {
			status = fiber.StatusCreated
		}
	}
	if err != nil {
		return err
	}
	e, err := h.Store.Enrollment(ctx, courseID, target, now)
	if err != nil {
		return err
	}
	if status == fiber.StatusCreated {
		c.Location("/api/v1/courses/" + courseID + "/enrollments/" + target)
	}
	return c.Status(status).JSON(e)
}

// enrollList lists a course's enrollees for its staff.
func (h *Handlers) enrollList(c *fiber.Ctx) error {
	rel, err := h.relation(c)
	if err != nil {
		return err
	}
	if err := staffOnly(rel); err != nil {
		return err
	}
	pr, err := httpapp.ParsePage(c, httpapp.KeyTime, httpapp.KeyID)
	if err != nil {
		return err
	}
	f := EnrolleeFilter{Status: strings.Clone(c.Query("status")), Query: strings.Clone(strings.TrimSpace(c.Query("q"))), Limit: pr.Limit, After: pr.After}
	switch f.Status {
	case "", "active", "completed", "withdrawn":
	default:
		return httpapp.Invalid("status", "must be active, completed or withdrawn")
	}
	if len(f.Query) > 200 {
		return httpapp.Invalid("q", "must be at most 200 characters")
	}
	items, err := h.Store.Enrollees(c.UserContext(), rel.CourseID, f, h.Clock.Now())
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(items, pr.Limit, func(e *Enrollment) []string {
		return []string{httpapp.TimeKey(e.EnrolledAt), e.ID}
	}))
}

// enrollTarget loads the course and the :user_id of an enrollment route.
// Course staff may name anyone; anyone else only themself (another user's
// enrollment is not found).
func (h *Handlers) enrollTarget(c *fiber.Ctx) (*courses.Relation, string, error) {
	rel, err := h.relation(c)
	if err != nil {
		return nil, "", err
	}
	userID, err := httpapp.PathID(c, "user_id", "user", ErrNotFound)
	if err != nil {
		return nil, "", err
	}
	if !rel.CanEdit() && userID != auth.From(c.UserContext()).UserID {
		return nil, "", fmt.Errorf("enrollment of user %s: %w", userID, ErrNotFound)
	}
	return rel, userID, nil
}

// enrollGet returns one enrollment with the enrollee's progress per lesson.
func (h *Handlers) enrollGet(c *fiber.Ctx) error {
	rel, userID, err := h.enrollTarget(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	e, err := h.Store.Enrollment(ctx, rel.CourseID, userID, h.Clock.Now())
	if err != nil {
		return err
	}
	if e.Lessons, err = h.Store.LessonProgress(ctx, rel.CourseID, userID); err != nil {
		return err
	}
	return c.JSON(e)
}

// enrollPatch changes an enrollment's due date or status (staff only).
// completed is reached through progress, never set here.
func (h *Handlers) enrollPatch(c *fiber.Ctx) error {
	rel, userID, err := h.enrollTarget(c)
	if err != nil {
		return err
	}
	if err := staffOnly(rel); err != nil {
		return err
	}
	var body map[string]json.RawMessage
	if err := httpapp.ParseJSON(c, &body); err != nil {
		return err
	}
	now := h.Clock.Now()
	var patch Patch
	for k, v := range body {
		switch k {
		case "due_at":
			patch.SetDue = true
			if string(v) == "null" {
				continue
			}
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return httpapp.Invalid("due_at", "must be an RFC 3339 date-time or null")
			}
			if patch.DueAt, err = parseDueAt("due_at", s, now); err != nil {
				return err
			}
		case "status":
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return httpapp.Invalid("status", "must be active or withdrawn")
			}
			switch s {
			case "active", "withdrawn":
				patch.Status = &s
			case "completed":
				return httpapp.Unprocessable("status", "completed is reached by completing the course's lessons, not set")
			default:
				return httpapp.Invalid("status", "must be active or withdrawn")
			}
		default:
			return httpapp.Invalid(k, "is not a field of this request (due_at, status)")
		}
	}
	ctx := c.UserContext()
	if patch.Status != nil && *patch.Status == "active" && rel.Status == "archived" {
		if cur, err := h.Store.Enrollment(ctx, rel.CourseID, userID, now); err == nil && cur.Status == "withdrawn" {
			return fmt.Errorf("course %s is archived and takes no enrollments: %w", rel.CourseID, ErrConflict)
		}
	}
	if err := h.Store.Update(ctx, rel.CourseID, userID, patch); err != nil {
		return err
	}
	e, err := h.Store.Enrollment(ctx, rel.CourseID, userID, now)
	if err != nil {
		return err
	}
	return c.JSON(e)
}

// enrollDelete withdraws an enrollment (staff, or the learner themself).
// Lesson progress is kept, so re-enrolling picks up where it stopped.
func (h *Handlers) enrollDelete(c *fiber.Ctx) error {
	rel, userID, err := h.enrollTarget(c)
	if err != nil {
		return err
	}
	if err := h.Store.Withdraw(c.UserContext(), rel.CourseID, userID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// myEnrollments is "my learning": the caller's enrollments with their
// course, progress and next lesson, newest first.
func (h *Handlers) myEnrollments(c *fiber.Ctx) error {
	pr, err := httpapp.ParsePage(c, httpapp.KeyTime, httpapp.KeyID)
	if err != nil {
		return err
	}
	f := MineFilter{Status: strings.Clone(c.Query("status")), Limit: pr.Limit, After: pr.After}
	switch f.Status {
	case "", "active", "completed", "withdrawn":
	default:
		return httpapp.Invalid("status", "must be active, completed or withdrawn")
	}
	ctx := c.UserContext()
	p := auth.From(ctx)
	now := h.Clock.Now()
	key := strings.Join(append([]string{f.Status, strconv.Itoa(f.Limit)}, f.After...), "\x00")
	items, v, cacheable := h.Learning.get(p.OrgID, p.UserID, key)
	if items == nil {
		if items, err = h.Store.Mine(ctx, p.UserID, f, now); err != nil {
			return err
		}
		if cacheable {
			h.Learning.put(p.OrgID, p.UserID, key, v, items)
		}
	}
	// Kept rows are shared: present copies, overdue as of now.
	page := make([]MyEnrollment, len(items))
	for i, m := range items {
		page[i] = *m
		page[i].Overdue = isOverdue(m.Status, m.DueAt, now)
	}
	return c.JSON(httpapp.NewPage(page, pr.Limit, func(m MyEnrollment) []string {
		return []string{httpapp.TimeKey(m.EnrolledAt), m.ID}
	}))
}
