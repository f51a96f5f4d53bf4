with sales as (

    select * from {{ ref('stg_retail__sales') }}

),

products as (

    select sku, category from {{ ref('stg_retail__products') }}

),

sales_with_category as (

    select
        sales.week_start,
        products.category,
        sales.store_id,
        sales.price,
        sales.promo,
        sales.units_sold,
        sales.revenue
    from sales
    inner join products
        on sales.sku = products.sku

),

aggregated as (

    select
        week_start,
        category,
        sum(units_sold)::bigint                                     as units_sold,
        sum(revenue)::double precision                              as revenue,
        avg(price)::double precision                                as avg_price,
        avg(case when promo then 1.0 else 0.0 end)::double precision as promo_share,
        count(distinct store_id)::bigint                            as stores
    from sales_with_category
    group by week_start, category

)

select * from aggregated
order by week_start, category
