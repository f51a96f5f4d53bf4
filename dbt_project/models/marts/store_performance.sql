with stores as (

    select * from {{ ref('stg_retail__stores') }}

),

sales as (

    select * from {{ ref('stg_retail__sales') }}

),

store_sales as (

    select
        store_id,
        sum(units_sold)                     as total_units,
        sum(revenue)                        as total_revenue,
        count(distinct week_start)          as weeks_active
    from sales
    group by store_id

),

joined as (

    select
        stores.store_id,
        stores.store_name,
        stores.city,
        stores.region,
        stores.latitude,
        stores.longitude,
        stores.catchment_population,
        stores.median_income,
        stores.competitors_nearby,
        stores.opening_date,
        stores.floor_area_m2,
        stores.annual_revenue,
        coalesce(store_sales.total_units, 0)::bigint                 as total_units,
        coalesce(store_sales.total_revenue, 0)::double precision     as total_revenue,
        coalesce(store_sales.weeks_active, 0)::bigint                as weeks_active,
        (
            coalesce(store_sales.total_revenue, 0)
            / nullif(stores.floor_area_m2, 0)
        )::double precision                                          as revenue_per_m2
    from stores
    left join store_sales
        on stores.store_id = store_sales.store_id

)

select * from joined
order by store_id
