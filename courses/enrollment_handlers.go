package courses

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

// registerEnrollments mounts the enrollment routes: one learner's
// enrollment (self or by staff), a course's enrollee list, bulk enrollment,
// "my learning" and the group enrollment rules. Ops never see enrollments.
func (h *Handlers) registerEnrollments(r fiber.Router) {
	member := auth.Require("enrollments", auth.Admin, auth.Instructor, auth.Learner)
	admin := auth.Require("enrollments", auth.Admin)
	r.Get("/me/enrollments", auth.Require("enrollments"), h.myEnrollments)
	r.Post("/courses/:id/enrollments/bulk", member, h.enrollBulk)
	r.Get("/courses/:id/enrollments", member, h.enrollList)
	r.Post("/courses/:id/enrollments", member, h.enrollCreate)
	r.Get("/courses/:id/enrollments/:user_id", member, h.enrollGet)
	r.Patch("/courses/:id/enrollments/:user_id", member, h.enrollPatch)
	r.Delete("/courses/:id/enrollments/:user_id", member, h.enrollDelete)
	r.Get("/enrollment-rules", admin, h.ruleList)
	r.Post("/enrollment-rules", admin, h.ruleCreate)
	r.Delete("/enrollment-rules/:id", admin, h.ruleDelete)
}

func (h *Handlers) enrollments() enrollmentStore { return enrollmentStore{db: h.DB} }

func (h *Handlers) enrollmentNow() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// unprocessable is a 422 naming the body field at fault: a well-formed
// value that names nothing usable (an unknown user, a deactivated one).
func enrollmentRefError(field, format string, args ...any) *httpapp.Error {
	return &httpapp.Error{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Field: field,
		Message: field + ": " + fmt.Sprintf(format, args...)}
}

// parseDue reads a due date: RFC 3339 and in the future.
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

// validEmail is a cheap shape check: one @ with something on each side, no
// spaces; whether the address exists is the users table's business.
func enrolleeEmailOK(s string) bool {
	at := strings.IndexByte(s, '@')
	return len(s) >= 3 && len(s) <= 254 && at > 0 && at < len(s)-1 && strings.Count(s, "@") == 1 &&
		!strings.ContainsAny(s, " \t\r\n<>,;\"()[]\\")
}

// pathUser is the :user_id of a path; a malformed one is not found.
func enrollmentPathUser(c *fiber.Ctx) (string, error) {
	id := c.Params("user_id")
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		return "", fmt.Errorf("user %q: %w", id, ErrNotFound)
	}
	return strings.Clone(id), nil
}

// staffOnly answers 403 to a caller who may see the course but is not its
// staff.
func enrollmentStaffOnly(rel *Relation) error {
	if !rel.CanEdit() {
		return httpapp.Errorf(fiber.StatusForbidden, "forbidden", "only the course's instructors and admins may manage its enrollments")
	}
	return nil
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
	courseID := strings.Clone(c.Params("id"))
	rel, err := h.relation(ctx, courseID)
	if err != nil {
		return err
	}
	var req enrollReq
	if len(bytes.TrimSpace(c.Body())) > 0 {
		if err := httpapp.ParseJSON(c, &req); err != nil {
			return err
		}
	}
	now := h.enrollmentNow()
	st := h.enrollments()
	target, self := p.UserID, true
	switch {
	case req.UserID != nil && req.Email != nil:
		return httpapp.Invalid("user_id", "give user_id or email, not both")
	case req.UserID != nil:
		id := strings.TrimSpace(*req.UserID)
		if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
			return httpapp.Invalid("user_id", "must be a UUID")
		}
		target, self = strings.ToLower(id), strings.EqualFold(id, p.UserID)
	case req.Email != nil:
		email := auth.NormalizeEmail(*req.Email)
		if !enrolleeEmailOK(email) {
			return httpapp.Invalid("email", "must be an email address")
		}
		self = email == auth.NormalizeEmail(p.Email)
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
		u, err := st.findUser(ctx, id, email)
		if errors.Is(err, ErrNotFound) {
			return enrollmentRefError(field, "no such user in this organization")
		}
		if err != nil {
			return err
		}
		if !u.Active {
			return enrollmentRefError(field, "user is deactivated")
		}
		target = u.ID
	}

	existing, err := st.get(ctx, courseID, target, now)
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
		mode, err := st.courseEnrollment(ctx, courseID)
		if err != nil {
			return err
		}
		if mode != "open" {
			return httpapp.Errorf(fiber.StatusForbidden, "invite_only", "this course is by invitation: ask its instructor to enroll you")
		}
	}
	status := fiber.StatusOK
	if existing != nil {
		err = st.reactivate(ctx, courseID, target, due)
	} else {
		var by *string
		if !self {
			by = &p.UserID
		}
		var inserted bool
		inserted, err = st.insert(ctx, courseID, target, source, by, due)
		if inserted {
			status = fiber.StatusCreated
		}
	}
	if err != nil {
		return err
	}
	e, err := st.get(ctx, courseID, target, now)
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
	ctx := c.UserContext()
	rel, err := h.relation(ctx, strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	if err := enrollmentStaffOnly(rel); err != nil {
		return err
	}
	pr, err := httpapp.ParsePage(c, 2)
	if err != nil {
		return err
	}
	f := enrolleeFilter{Status: c.Query("status"), Query: strings.TrimSpace(c.Query("q")), Limit: pr.Limit}
	switch f.Status {
	case "", "active", "completed", "withdrawn":
	default:
		return httpapp.Invalid("status", "must be active, completed or withdrawn")
	}
	if len(f.Query) > 200 {
		return httpapp.Invalid("q", "must be at most 200 characters")
	}
	if pr.After != nil {
		if err := enrollmentCursorOK(pr.After); err != nil {
			return err
		}
		f.After = pr.After
	}
	items, err := h.enrollments().list(ctx, rel.CourseID, f, h.enrollmentNow())
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(items, pr.Limit, func(e *Enrollment) []string {
		return []string{e.EnrolledAt.Format(time.RFC3339Nano), e.ID}
	}))
}

// checkTimeCursor validates a (timestamp, uuid) cursor before SQL casts it.
func enrollmentCursorOK(after []string) error {
	if _, err := time.Parse(time.RFC3339Nano, after[0]); err != nil {
		return httpapp.Invalid("cursor", "is not a cursor this list returned")
	}
	if _, err := uuid.Parse(after[1]); err != nil {
		return httpapp.Invalid("cursor", "is not a cursor this list returned")
	}
	return nil
}

// enrollTarget loads the course and the :user_id of an enrollment route.
// Course staff may name anyone; anyone else only themself (another user's
// enrollment is not found).
func (h *Handlers) enrollTarget(c *fiber.Ctx) (*Relation, string, error) {
	ctx := c.UserContext()
	rel, err := h.relation(ctx, strings.Clone(c.Params("id")))
	if err != nil {
		return nil, "", err
	}
	userID, err := enrollmentPathUser(c)
	if err != nil {
		return nil, "", err
	}
	if !rel.CanEdit() && !strings.EqualFold(userID, auth.From(ctx).UserID) {
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
	st := h.enrollments()
	e, err := st.get(ctx, rel.CourseID, userID, h.enrollmentNow())
	if err != nil {
		return err
	}
	if e.Lessons, err = st.lessons(ctx, rel.CourseID, userID); err != nil {
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
	if err := enrollmentStaffOnly(rel); err != nil {
		return err
	}
	var body map[string]json.RawMessage
	if err := httpapp.ParseJSON(c, &body); err != nil {
		return err
	}
	now := h.enrollmentNow()
	var patch enrollmentPatch
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
				return enrollmentRefError("status", "completed is reached by completing the course's lessons, not set")
			default:
				return httpapp.Invalid("status", "must be active or withdrawn")
			}
		default:
			return httpapp.Invalid(k, "is not a field of this request (due_at, status)")
		}
	}
	ctx := c.UserContext()
	st := h.enrollments()
	if patch.Status != nil && *patch.Status == "active" && rel.Status == "archived" {
		if cur, err := st.get(ctx, rel.CourseID, userID, now); err == nil && cur.Status == "withdrawn" {
			return fmt.Errorf("course %s is archived and takes no enrollments: %w", rel.CourseID, ErrConflict)
		}
	}
	if err := st.update(ctx, rel.CourseID, userID, patch); err != nil {
		return err
	}
	e, err := st.get(ctx, rel.CourseID, userID, now)
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
	if err := h.enrollments().withdraw(c.UserContext(), rel.CourseID, userID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// myEnrollments is "my learning": the caller's enrollments with their
// course, progress and next lesson, newest first.
func (h *Handlers) myEnrollments(c *fiber.Ctx) error {
	pr, err := httpapp.ParsePage(c, 2)
	if err != nil {
		return err
	}
	f := myFilter{Status: c.Query("status"), Limit: pr.Limit}
	switch f.Status {
	case "", "active", "completed", "withdrawn":
	default:
		return httpapp.Invalid("status", "must be active, completed or withdrawn")
	}
	if pr.After != nil {
		if err := enrollmentCursorOK(pr.After); err != nil {
			return err
		}
		f.After = pr.After
	}
	ctx := c.UserContext()
	items, err := h.enrollments().mine(ctx, auth.From(ctx).UserID, f, h.enrollmentNow())
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(items, pr.Limit, func(m *MyEnrollment) []string {
		return []string{m.EnrolledAt.Format(time.RFC3339Nano), m.ID}
	}))
}
