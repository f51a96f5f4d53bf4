with source as (

    select * from {{ source('retail', 'retail_sales') }}

),

renamed as (

    select
        week_start::date                        as week_start,
        trim(store_id::text)                    as store_id,
        trim(sku::text)                         as sku,
        price::double precision                 as price,
        promo::boolean                          as promo,
        holiday::boolean                        as holiday,
        units_sold::bigint                      as units_sold,
        revenue::double precision               as revenue
    from source

),

keyed as (

    select
        week_start::text || '|' || store_id || '|' || sku as sales_key,
        week_start,
        store_id,
        sku,
        price,
        promo,
        holiday,
        units_sold,
        revenue
    from renamed

)

select * from keyed
