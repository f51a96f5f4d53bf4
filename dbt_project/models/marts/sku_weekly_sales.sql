with sales as (

    select * from {{ ref('stg_retail__sales') }}

),

products as (

    select * from {{ ref('stg_retail__products') }}

),

joined as (

    select
        sales.week_start,
        sales.store_id,
        sales.sku,
        products.category,
        sales.price,
        products.base_price,
        products.unit_cost,
        sales.promo,
        sales.holiday,
        sales.units_sold,
        sales.revenue,
        (sales.revenue - sales.units_sold * products.unit_cost)::double precision as gross_margin
    from sales
    inner join products
        on sales.sku = products.sku

)

select * from joined
order by week_start, store_id, sku
