package courses

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Person names a user in a course: its owner, an instructor.
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role,omitempty"` // owner or co, in a course's instructors
}

// Course is a course as clients read it; Modules is set for one course.
type Course struct {
	ID              string     `json:"id" db:"id"`
	Title           string     `json:"title" db:"title"`
	Summary         string     `json:"summary" db:"summary"`
	Description     string     `json:"description" db:"description"`
	DescriptionHTML string     `json:"description_html" db:"description_html"`
	Tags            []string   `json:"tags" db:"tags"`
	Language        string     `json:"language" db:"language"`
	Status          string     `json:"status" db:"status"`
	Enrollment      string     `json:"enrollment" db:"enrollment"`
	Owner           Person     `json:"owner" db:"owner"`
	Instructors     []Person   `json:"instructors" db:"instructors"`
	CreatedAt       time.Time  `json:"created_at" db:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at" db:"updated_at"`
	PublishedAt     *time.Time `json:"published_at" db:"published_at"`
	LessonCount     int        `json:"lesson_count" db:"lesson_count"`
	Modules         []*Module  `json:"modules,omitempty" db:"-"`
}

const courseCols = `c.id::text as id, c.title, c.summary, c.description, c.description_html, c.tags, c.language,
	c.status, c.enrollment,
	json_build_object('id', c.owner_id, 'name', (select u.name from users u where u.id = c.owner_id)) as owner,
	coalesce((select json_agg(json_build_object('id', u.id, 'name', u.name, 'role', ci.role)
			order by ci.role = 'owner' desc, ci.added_at, u.id)
		from course_instructors ci join users u on u.id = ci.user_id where ci.course_id = c.id), '[]') as instructors,
	c.created_at, c.updated_at, c.published_at,
	(select count(*) from lessons l where l.course_id = c.id)::int as lesson_count`

// Course reads one course, without its outline.
func (s *Store) Course(ctx context.Context, id string) (*Course, error) {
	rows, _ := s.q(ctx).Query(ctx, `select `+courseCols+` from courses c where c.id = $1`, id)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Course])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("course %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load course %s: %w", id, err)
	}
	return c, nil
}

// Lock serialises changes to a course and its outline for the rest of the
// transaction, so that two requests cannot together build what each alone
// would reject (a cycle).
func (s *Store) Lock(ctx context.Context, id string) error {
	if _, err := s.q(ctx).Exec(ctx, `select 1 from courses where id = $1 for no key update`, id); err != nil {
		return fmt.Errorf("lock course %s: %w", id, err)
	}
	return nil
}

// CourseFilter narrows the list of courses.
type CourseFilter struct {
	Status   string
	TaughtBy string   // "" for every course (admins)
	After    []string // created_at, id
	Limit    int
}

// Courses lists up to f.Limit+1 courses, newest first.
func (s *Store) Courses(ctx context.Context, f CourseFilter) ([]*Course, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Status != "" {
		where = append(where, "c.status = "+arg(f.Status))
	}
	if f.TaughtBy != "" {
		where = append(where, "exists (select 1 from course_instructors ci where ci.course_id = c.id and ci.user_id = "+arg(f.TaughtBy)+")")
	}
	if len(f.After) == 2 {
		where = append(where, fmt.Sprintf("(c.created_at, c.id) < (%s::timestamptz, %s::uuid)", arg(f.After[0]), arg(f.After[1])))
	}
	sql := `select ` + courseCols + ` from courses c`
	if len(where) > 0 {
		sql += " where " + strings.Join(where, " and ")
	}
	sql += " order by c.created_at desc, c.id desc limit " + arg(f.Limit+1)
	rows, _ := s.q(ctx).Query(ctx, sql, args...)
	cs, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Course])
	if err != nil {
		return nil, fmt.Errorf("list courses: %w", err)
	}
	return cs, nil
}

// CreateCourse inserts a course owned (and taught) by owner and returns its
// id.
func (s *Store) CreateCourse(ctx context.Context, c *Course, owner string) (string, error) {
	var id string
	err := s.q(ctx).QueryRow(ctx, `with c as (
			insert into courses (title, summary, description, description_html, tags, language, status, enrollment, owner_id, published_at)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, case when $7 = 'published' then now() end) returning id)
		insert into course_instructors (course_id, user_id, role) select id, $9, 'owner' from c returning course_id::text`,
		c.Title, c.Summary, c.Description, c.DescriptionHTML, c.Tags, c.Language, c.Status, c.Enrollment, owner).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("insert course: %w", err)
	}
	return id, s.changed(ctx)
}

// UpdateCourse writes a course's fields; publishing stamps published_at
// the first time.
func (s *Store) UpdateCourse(ctx context.Context, c *Course) error {
	_, err := s.q(ctx).Exec(ctx, `update courses set title = $2, summary = $3, description = $4, description_html = $5,
			tags = $6, language = $7, status = $8, enrollment = $9,
			published_at = case when $8 = 'published' then coalesce(published_at, now()) else published_at end,
			updated_at = now()
		where id = $1`,
		c.ID, c.Title, c.Summary, c.Description, c.DescriptionHTML, c.Tags, c.Language, c.Status, c.Enrollment)
	if err != nil {
		return fmt.Errorf("update course %s: %w", c.ID, err)
	}
	return s.changed(ctx)
}

// DeleteCourse deletes a course with its outline and staff.
func (s *Store) DeleteCourse(ctx context.Context, id string) error {
	if _, err := s.q(ctx).Exec(ctx, `delete from courses where id = $1`, id); err != nil {
		return fmt.Errorf("delete course %s: %w", id, err)
	}
	return s.changed(ctx)
}
