package courses

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

// EnrollmentRule enrolls every member of a group in a course: the members
// it has when the rule is made at once, later ones as they join (the
// group_members trigger of the schema).
type EnrollmentRule struct {
	ID        string    `json:"id"`
	Group     RuleGroup `json:"group"`
	Course    RuleRef   `json:"course"`
	DueDays   *int32    `json:"due_days"`
	CreatedBy *string   `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// RuleGroup is the group a rule reads its members from.
type RuleGroup struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// RuleRef is the course a rule enrolls in.
type RuleRef struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// ruleStore is the SQL of enrollment rules.
type ruleStore struct {
	db database.Querier
}

func (s ruleStore) q(ctx context.Context) database.Querier { return database.Q(ctx, s.db) }

const ruleSelect = `select r.id, g.id, g.name, c.id, c.title, r.due_days, r.created_by, r.created_at
	from enrollment_rules r join groups g on g.id = r.group_id join courses c on c.id = r.course_id`

func scanRule(row pgx.Row) (*EnrollmentRule, error) {
	var r EnrollmentRule
	err := row.Scan(&r.ID, &r.Group.ID, &r.Group.Name, &r.Course.ID, &r.Course.Title, &r.DueDays, &r.CreatedBy, &r.CreatedAt)
	return &r, err
}

func (s ruleStore) list(ctx context.Context, after []string, limit int) ([]*EnrollmentRule, error) {
	args := []any{limit + 1}
	where := ""
	if after != nil {
		args = append(args, after[0], after[1])
		where = ` where (r.created_at, r.id) > ($2::timestamptz, $3::uuid)`
	}
	rows, err := s.q(ctx).Query(ctx, ruleSelect+where+` order by r.created_at, r.id limit $1`, args...)
	if err != nil {
		return nil, fmt.Errorf("list enrollment rules: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*EnrollmentRule, error) { return scanRule(r) })
	if err != nil {
		return nil, fmt.Errorf("list enrollment rules: %w", err)
	}
	return out, nil
}

func (s ruleStore) get(ctx context.Context, id string) (*EnrollmentRule, error) {
	r, err := scanRule(s.q(ctx).QueryRow(ctx, ruleSelect+` where r.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("enrollment rule %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get enrollment rule: %w", err)
	}
	return r, nil
}

// refs reports whether the group exists and the course's status ("" when
// there is no such course), in the caller's organization.
func (s ruleStore) refs(ctx context.Context, groupID, courseID string) (groupOK bool, courseStatus string, err error) {
	err = s.q(ctx).QueryRow(ctx, `select exists (select 1 from groups where id = $1),
		coalesce((select status from courses where id = $2), '')`, groupID, courseID).Scan(&groupOK, &courseStatus)
	if err != nil {
		return false, "", fmt.Errorf("enrollment rule references: %w", err)
	}
	return groupOK, courseStatus, nil
}

// create adds a rule and enrolls the group's active members at once, in
// one insert ... select (source rule; existing enrollments, withdrawn ones
// too, stay as they are). It returns ErrConflict when the rule exists.
func (s ruleStore) create(ctx context.Context, groupID, courseID string, dueDays *int32, by string, now time.Time) (id string, enrolled int64, err error) {
	q := s.q(ctx)
	err = q.QueryRow(ctx, `insert into enrollment_rules (group_id, course_id, due_days, created_by) values ($1, $2, $3, $4)
		on conflict (group_id, course_id) do nothing returning id`, groupID, courseID, dueDays, by).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", 0, fmt.Errorf("a rule already enrolls this group in this course: %w", ErrConflict)
	}
	if err != nil {
		return "", 0, fmt.Errorf("create enrollment rule: %w", err)
	}
	tag, err := q.Exec(ctx, `insert into enrollments (course_id, user_id, source, enrolled_by, due_at)
		select $2, gm.user_id, 'rule', $3,
			case when $4::integer is null then null else $5::timestamptz + make_interval(days => $4::integer) end
		from group_members gm join users u on u.id = gm.user_id and u.active
		where gm.group_id = $1
		on conflict (course_id, user_id) do nothing`, groupID, courseID, by, dueDays, now)
	if err != nil {
		return "", 0, fmt.Errorf("apply enrollment rule: %w", err)
	}
	return id, tag.RowsAffected(), nil
}

func (s ruleStore) delete(ctx context.Context, id string) error {
	tag, err := s.q(ctx).Exec(ctx, `delete from enrollment_rules where id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete enrollment rule: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("enrollment rule %s: %w", id, ErrNotFound)
	}
	return nil
}

func (h *Handlers) rules() ruleStore { return ruleStore{db: h.DB} }

func (h *Handlers) ruleList(c *fiber.Ctx) error {
	pr, err := httpapp.ParsePage(c, 2)
	if err != nil {
		return err
	}
	if pr.After != nil {
		if err := enrollmentCursorOK(pr.After); err != nil {
			return err
		}
	}
	items, err := h.rules().list(c.UserContext(), pr.After, pr.Limit)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(items, pr.Limit, func(r *EnrollmentRule) []string {
		return []string{r.CreatedAt.Format(time.RFC3339Nano), r.ID}
	}))
}

type ruleReq struct {
	GroupID  *string `json:"group_id"`
	CourseID *string `json:"course_id"`
	DueDays  *int32  `json:"due_days"`
}

// ruleCreate answers 201 with the rule and how many members it enrolled.
func (h *Handlers) ruleCreate(c *fiber.Ctx) error {
	var req ruleReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	ids := map[string]*string{"group_id": req.GroupID, "course_id": req.CourseID}
	for _, field := range []string{"group_id", "course_id"} {
		v := ids[field]
		if v == nil || *v == "" {
			return httpapp.Invalid(field, "is required")
		}
		if _, err := uuid.Parse(*v); err != nil || len(*v) != 36 {
			return httpapp.Invalid(field, "must be a UUID")
		}
	}
	if req.DueDays != nil && (*req.DueDays < 1 || *req.DueDays > 3650) {
		return httpapp.Invalid("due_days", "must be a whole number of days from 1 to 3650")
	}
	ctx := c.UserContext()
	st := h.rules()
	groupOK, status, err := st.refs(ctx, *req.GroupID, *req.CourseID)
	if err != nil {
		return err
	}
	switch {
	case !groupOK:
		return enrollmentRefError("group_id", "no such group in this organization")
	case status == "":
		return enrollmentRefError("course_id", "no such course in this organization")
	case status == "archived":
		return enrollmentRefError("course_id", "the course is archived and takes no enrollments")
	}
	id, n, err := st.create(ctx, *req.GroupID, *req.CourseID, req.DueDays, auth.From(ctx).UserID, h.enrollmentNow())
	if err != nil {
		return err
	}
	rule, err := st.get(ctx, id)
	if err != nil {
		return err
	}
	c.Location("/api/v1/enrollment-rules/" + id)
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"rule": rule, "enrolled": n})
}

// ruleDelete removes a rule; the enrollments it made stay.
func (h *Handlers) ruleDelete(c *fiber.Ctx) error {
	id := c.Params("id")
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		return fmt.Errorf("enrollment rule %q: %w", id, ErrNotFound)
	}
	if err := h.rules().delete(c.UserContext(), strings.Clone(id)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
