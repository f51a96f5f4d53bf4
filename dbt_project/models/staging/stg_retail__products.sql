with source as (

    select * from {{ source('retail', 'retail_products') }}

),

renamed as (

    select
        trim(sku::text)                         as sku,
        trim(product_name::text)                as product_name,
        lower(trim(category::text))             as category,
        trim(brand::text)                       as brand,
        base_price::double precision            as base_price,
        unit_cost::double precision             as unit_cost
    from source

)

select * from renamed
