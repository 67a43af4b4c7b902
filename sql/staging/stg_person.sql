-- one row per person: what the criteria read of them (sex, date of birth)
-- birth_datetime wins; else year/month/day of birth, a missing month read as July 1 and a
-- missing day as the 15th (both engines compute age from birth_date)
with person_birth as (
    select
        p.person_id,
        p.gender_concept_id,
        coalesce(
            cast(p.birth_datetime as date),
            try_cast(
                printf(
                    '%04d-%02d-%02d',
                    p.year_of_birth,
                    coalesce(p.month_of_birth, 7),
                    coalesce(p.day_of_birth, case when p.month_of_birth is null then 1 else 15 end)
                ) as date
            )
        ) as birth_date
    from person as p
)

select * from person_birth
