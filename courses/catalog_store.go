package courses

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// CatalogFilter narrows the catalog.
type CatalogFilter struct {
	Query, Tag, InstructorID, Language string
	After                              []string // rank, published_at, id
	Limit                              int
}

// CatalogEntry is a published course as the catalog lists it: the summary,
// not the description, and its search rank (0 without q).
type CatalogEntry struct {
	ID          string     `json:"id" db:"id"`
	Title       string     `json:"title" db:"title"`
	Summary     string     `json:"summary" db:"summary"`
	Tags        []string   `json:"tags" db:"tags"`
	Language    string     `json:"language" db:"language"`
	Enrollment  string     `json:"enrollment" db:"enrollment"`
	Owner       Person     `json:"owner" db:"owner"`
	Instructors []Person   `json:"instructors" db:"instructors"`
	PublishedAt *time.Time `json:"published_at" db:"published_at"`
	LessonCount int        `json:"lesson_count" db:"lesson_count"`
	Rank        float32    `json:"-" db:"rank"`
}

// Catalog lists up to f.Limit+1 published courses, best match first for a search, then
// newest first. The sort key (rank, published_at, id) is unique, so the
// keyset cursor neither repeats nor skips a course. The page is chosen from
// sort keys alone (row-level security's org_id = lectern_org() lets the
// courses_catalog index serve it) and only its rows are decorated with
// owner, instructors and lesson count.
func (s *Store) Catalog(ctx context.Context, f CatalogFilter) ([]*CatalogEntry, error) {
	where := []string{"c.status = 'published'"}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	rank := "0::real"
	from := "courses c"
	if f.Query != "" {
		from += ", websearch_to_tsquery('english', " + arg(f.Query) + ") query"
		where = append(where, "c.search @@ query")
		rank = "ts_rank(c.search, query)"
	}
	if f.Tag != "" {
		where = append(where, "c.tags @> array["+arg(f.Tag)+"]::text[]")
	}
	if f.Language != "" {
		where = append(where, "c.language = "+arg(f.Language))
	}
	if f.InstructorID != "" {
		where = append(where, "exists (select 1 from course_instructors ci where ci.course_id = c.id and ci.user_id = "+arg(f.InstructorID)+")")
	}
	if len(f.After) == 3 {
		where = append(where, fmt.Sprintf("(%s, c.published_at, c.id) < (%s::real, %s::timestamptz, %s::uuid)",
			rank, arg(f.After[0]), arg(f.After[1]), arg(f.After[2])))
	}
	sql := `with page as (
			select c.id, ` + rank + ` as rank from ` + from + ` where ` + strings.Join(where, " and ") + `
			order by 2 desc, c.published_at desc, c.id desc limit ` + arg(f.Limit+1) + `)
		select c.id::text as id, c.title, c.summary, c.tags, c.language, c.enrollment,
			json_build_object('id', c.owner_id, 'name', (select u.name from users u where u.id = c.owner_id)) as owner,
			coalesce((select json_agg(json_build_object('id', u.id, 'name', u.name, 'role', ci.role)
					order by ci.role = 'owner' desc, ci.added_at, u.id)
				from course_instructors ci join users u on u.id = ci.user_id where ci.course_id = c.id), '[]') as instructors,
			c.published_at, (select count(*) from lessons l where l.course_id = c.id)::int as lesson_count, page.rank
		from page join courses c on c.id = page.id
		order by page.rank desc, c.published_at desc, c.id desc`
	rows, _ := s.q(ctx).Query(ctx, sql, args...)
	cs, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[CatalogEntry])
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return cs, nil
}
